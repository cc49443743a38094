using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Penguin.Client;
using Penguin.Server.Gateway;

namespace Penguin.Server.Tests;

/// <summary>
/// Random and mutated input with fixed seeds and a fixed number of iterations (so a run is repeatable and
/// bounded): the frame parser on the real server, and the upgrade parser. A crash input found here is kept
/// below as a named test with its bytes inline.
/// </summary>
public sealed class FuzzTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] Seeds =
    [
        "{\"op\":\"ping\",\"id\":1}",
        "{\"op\":\"auth\",\"id\":2,\"token\":\"abc\",\"since\":0,\"status\":\"busy\"}",
        "{\"op\":\"msg.send\",\"id\":3,\"to\":10002,\"clientId\":\"c\",\"text\":\"晚上一起吃饭吗？\"}",
        "{\"op\":\"sync\",\"id\":4,\"since\":12}",
        "{\"op\":\"presence.set\",\"id\":5,\"status\":\"away\"}",
        "{\"op\":\"typing\",\"to\":10002,\"active\":true}",
        "{\"op\":\"msg.read\",\"id\":6,\"peer\":10002,\"seq\":9223372036854775807}",
    ];

    private static readonly string[] Tokens = ["{", "}", "[", "]", "\"", ":", ",", "null", "-1", "1e309", "\"op\"", "\\u0000", "\\ud800", "9223372036854775808", "true", "\"\"", "{\"op\":{}}", "\u00ff"];

    /// <summary>One mutation of a seed: flip, insert, delete, duplicate a span, or splice a JSON token in.</summary>
    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at)); break;
                case 3 when bytes.Count > 0: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 16), bytes.Count - at))); break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)])); break;
            }
        }
        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task FrameParser_RandomAndMutatedFrames_AreAnsweredAndTheConnectionSurvives()
    {
        var random = new Random(20261201);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(PenguinClient.WebSocketUri(fixture.Server.BaseUri), CancellationToken.None);
        var buffer = new byte[128 * 1024];

        for (var i = 0; i < 400; i++)
        {
            var input = random.Next(4) == 0 ? RandomBytes(random) : Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]));
            // Text frames must be UTF-8 (the client would refuse otherwise): invalid sequences go as binary frames.
            var type = IsUtf8(input) ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            await socket.SendAsync(input, type, true, CancellationToken.None);
            var pingId = 1_000_000 + i;
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"op\":\"ping\",\"id\":{pingId}}}"), WebSocketMessageType.Text, true, CancellationToken.None);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                Assert.True(result.MessageType != WebSocketMessageType.Close, $"closed after input {i}: {Convert.ToHexString(input)}");
                if (Encoding.UTF8.GetString(buffer, 0, result.Count) == $"{{\"type\":\"pong\",\"re\":{pingId}}}") break;
            }
        }
    }

    /// <summary>Crash inputs the fuzzer found, kept with their bytes: each must be answered, the connection must survive.</summary>
    [Theory]
    // A lone surrogate escape in a property name: the parser threw InvalidOperationException and the connection was dropped.
    [InlineData("7B226F70223A226D73672E73656E64222C226964223A332C22746F223A31303030322C22636C5C756438303069656E744964223A2263222C2274657874223A22E6999AE4B88AE4B880E8B5B7E59083E9A5ADE59097EFBC9F227D")]
    public async Task FrameParser_CrashInput_IsAnsweredAndTheConnectionSurvives(string hex)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(PenguinClient.WebSocketUri(fixture.Server.BaseUri), CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));

        await socket.SendAsync(Convert.FromHexString(hex), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await socket.ReceiveAsync(buffer, timeout.Token);
        await socket.SendAsync("{\"op\":\"ping\",\"id\":9}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var pong = await socket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal(WebSocketMessageType.Text, reply.MessageType);
        Assert.Equal("{\"type\":\"pong\",\"re\":9}", Encoding.UTF8.GetString(buffer, 0, pong.Count));
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public void UpgradeParser_RandomAndMutatedHeads_NeverThrowAndTakeOnlyValidUpgrades()
    {
        var random = new Random(6455);
        var valid = Encoding.ASCII.GetBytes("GET /ws?v=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var ours = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var input = random.Next(5) == 0 ? RandomBytes(random) : Mutate(random, valid);
            // Split at a random point, as bytes arrive in pieces: the verdict on the whole must not depend on it.
            var split = input.Length == 0 ? 0 : random.Next(input.Length);
            var (verdict, _) = WebSocketUpgrade.Inspect(Segmented(input, split), out var key);
            var (whole, _) = WebSocketUpgrade.Inspect(new ReadOnlySequence<byte>(input), out var wholeKey);

            Assert.Equal(whole, verdict);
            Assert.Equal(wholeKey, key);
            if (verdict == WebSocketUpgrade.Verdict.Ours)
            {
                ours++;
                Assert.NotNull(key);
                var text = Encoding.Latin1.GetString(input);
                Assert.Equal(key, WebSocketUpgrade.ValidHandshakeKey(text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)]));
            }
        }
        Assert.InRange(ours, 1, 20_000); // some mutations (e.g. of header case) stay valid upgrades
    }

    private static ReadOnlySequence<byte> Segmented(byte[] input, int split)
    {
        if (split == 0 || split >= input.Length) return new ReadOnlySequence<byte>(input);
        var first = new Segment(input.AsMemory(0, split));
        var last = first.Append(input.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
