using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Penguin.Server.Gateway;
using Penguin.Server.Gateway.Transport;

namespace Penguin.Server.Tests;

/// <summary>
/// The gateway's own RFC 6455 server side, over a real loopback TCP connection: the client writes raw frames
/// byte by byte as a browser (or an attacker) would, and reads what the server wrote.
/// </summary>
public sealed class SocketWebSocketTests : IAsyncLifetime
{
    private static readonly SocketWebSocketOptions Options = new(MaxUnflushedBytes: 64 * 1024, SlowConsumerTimeout: TimeSpan.FromMilliseconds(300));
    private static readonly byte[] MaskKey = [0x12, 0x34, 0x56, 0x78];

    private Socket _client = null!;
    private Socket _server = null!;
    private SocketWebSocket _socket = null!;

    public async ValueTask InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await _client.ConnectAsync(listener.LocalEndPoint!);
        _server = await accept;
        _socket = new SocketWebSocket(_server, Options);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A client frame: masked unless told otherwise.</summary>
    private static byte[] Frame(int opcode, byte[] payload, bool final = true, bool masked = true, byte extraFirstBits = 0)
    {
        var header = new List<byte> { (byte)((final ? 0x80 : 0) | extraFirstBits | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (payload.Length <= 125) header.Add((byte)(maskBit | payload.Length));
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(length, payload.Length);
            header.AddRange(length);
        }
        if (!masked) return [.. header, .. payload];
        header.AddRange(MaskKey);
        return [.. header, .. payload.Select((b, i) => (byte)(b ^ MaskKey[i % 4]))];
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private async Task SendAsync(params byte[][] frames) => await _client.SendAsync(frames.SelectMany(f => f).ToArray(), SocketFlags.None);

    /// <summary>Reads one server frame: opcode and payload (server frames are never masked).</summary>
    private async Task<(int Opcode, byte[] Payload)> ReadServerFrameAsync()
    {
        var head = await ReadExactlyAsync(2);
        Assert.Equal(0, head[1] & 0x80);
        long length = head[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2));
        else if (length == 127) length = BinaryPrimitives.ReadInt64BigEndian(await ReadExactlyAsync(8));
        Assert.Equal(0x80, head[0] & 0xF0);
        return (head[0] & 0x0F, await ReadExactlyAsync((int)length));
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var read = 0; read < count;)
        {
            var n = await _client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0) throw new IOException("The server closed the connection.");
            read += n;
        }
        return buffer;
    }

    private async Task<string> ReceiveTextAsync()
    {
        var buffer = new byte[200_000];
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage) return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    [Fact]
    public async Task FragmentedMessage_WithAPingBetween_IsWholeAndThePingIsAnswered()
    {
        await SendAsync(Frame(0x1, Text("你好，"), final: false), Frame(0x9, Text("ping!")), Frame(0x0, Text("wor"), final: false), Frame(0x0, Text("ld")));

        Assert.Equal("你好，world", await ReceiveTextAsync());
        var (opcode, payload) = await ReadServerFrameAsync();
        Assert.Equal(0xA, opcode);
        Assert.Equal("ping!", Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public async Task ZeroByteReceive_SaysTheTypeAndConsumesNothing()
    {
        await SendAsync(Frame(0x1, Text("{\"op\":\"ping\"}")));

        var ready = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Text, ready.MessageType);
        Assert.Equal(0, ready.Count);
        Assert.Equal("{\"op\":\"ping\"}", await ReceiveTextAsync());
    }

    [Theory]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(150_000)]
    public async Task Lengths_OfEveryEncoding_RoundTrip(int length)
    {
        var text = new string('a', length);
        await SendAsync(Frame(0x1, Text(text)));
        Assert.Equal(text, await ReceiveTextAsync());

        await _socket.SendAsync(Text(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var (opcode, payload) = await ReadServerFrameAsync();
        Assert.Equal(0x1, opcode);
        Assert.Equal(text, Encoding.UTF8.GetString(payload));
    }

    public static TheoryData<string, byte[]> Violations => new()
    {
        { "unmasked", Frame(0x1, Text("hi"), masked: false) },
        { "reserved bit", Frame(0x1, Text("hi"), extraFirstBits: 0x40) },
        { "unknown opcode", Frame(0x3, Text("hi")) },
        { "long control frame", Frame(0x9, new byte[126]) },
        { "fragmented control frame", Frame(0x9, Text("hi"), final: false) },
        { "continuation without a message", Frame(0x0, Text("hi")) },
        { "one-byte close", Frame(0x8, [0x03]) },
        { "close code 1005", Frame(0x8, [0x03, 0xED]) },
        { "close reason not UTF-8", Frame(0x8, [0x03, 0xE8, 0xFF, 0xFE]) },
        { "64-bit length with the top bit", [0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task ProtocolViolations_FailTheConnectionWith1002(string what, byte[] frame)
    {
        await SendAsync(frame);

        await Assert.ThrowsAsync<WebSocketException>(async () => await _socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None));
        var (opcode, payload) = await ReadServerFrameAsync();
        Assert.Equal(0x8, opcode);
        Assert.True(1002 == BinaryPrimitives.ReadUInt16BigEndian(payload), what);
        Assert.Equal(WebSocketState.Aborted, _socket.State);
    }

    [Fact]
    public async Task NewMessage_BeforeTheLastEnded_Fails()
    {
        await SendAsync(Frame(0x1, Text("a"), final: false), Frame(0x1, Text("b")));

        var first = await _socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None);
        Assert.False(first.EndOfMessage);
        await Assert.ThrowsAsync<WebSocketException>(async () => await _socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None));
    }

    [Fact]
    public async Task ClosingHandshake_FromTheClient()
    {
        await SendAsync(Frame(0x8, [0x03, 0xE8, .. Text("再见")]));

        var result = await _socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, _socket.CloseStatus);
        Assert.Equal("再见", _socket.CloseStatusDescription);
        Assert.Equal(WebSocketState.CloseReceived, _socket.State);

        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, _socket.State);
        var (opcode, payload) = await ReadServerFrameAsync();
        Assert.Equal(0x8, opcode);
        Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(payload));
        Assert.Equal("bye", Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
    }

    [Fact]
    public async Task ClosingHandshake_FromTheServer()
    {
        await _socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "going away", CancellationToken.None);
        Assert.Equal(WebSocketState.CloseSent, _socket.State);
        await Assert.ThrowsAsync<WebSocketException>(async () => await _socket.SendAsync(Text("late"), WebSocketMessageType.Text, true, CancellationToken.None));
        Assert.Equal(0x8, (await ReadServerFrameAsync()).Opcode);

        await SendAsync(Frame(0x8, [0x03, 0xE9]));
        var result = await _socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketState.Closed, _socket.State);
    }

    [Fact]
    public async Task PeerGone_WithoutAClose_IsConnectionClosedPrematurely()
    {
        _client.Shutdown(SocketShutdown.Send);

        var e = await Assert.ThrowsAsync<WebSocketException>(async () => await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, e.WebSocketErrorCode);
    }

    [Fact]
    public async Task HeldFrames_GoOutTogetherWithTheFirstUnheldOne()
    {
        FlushHold.Set(true);
        for (var i = 0; i < 3; i++) await _socket.SendAsync(Text($"held {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
        await Task.Delay(100);
        Assert.Equal(0, _client.Available);

        FlushHold.Set(false);
        await _socket.SendAsync(Text("last"), WebSocketMessageType.Text, true, CancellationToken.None);
        var texts = new List<string>();
        for (var i = 0; i < 4; i++) texts.Add(Encoding.UTF8.GetString((await ReadServerFrameAsync()).Payload));
        Assert.Equal(["held 0", "held 1", "held 2", "last"], texts);
    }

    [Fact]
    public async Task HeldFrames_BeyondTheBound_AreSentAnyway()
    {
        FlushHold.Set(true);
        var big = Text(new string('x', 40 * 1024));
        await _socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None);
        await _socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None); // 80 KiB > 64 KiB held
        FlushHold.Set(false);

        Assert.Equal(big.Length, (await ReadServerFrameAsync()).Payload.Length);
        Assert.Equal(big.Length, (await ReadServerFrameAsync()).Payload.Length);
    }

    [Fact]
    public async Task AClientThatNeverReads_IsASlowConsumer()
    {
        _client.ReceiveBufferSize = 4096;
        var chunk = new byte[1024 * 1024];
        await Assert.ThrowsAsync<SlowConsumerException>(async () =>
        {
            for (var i = 0; i < 1000; i++) await _socket.SendAsync(chunk, WebSocketMessageType.Binary, true, CancellationToken.None);
        });
        Assert.Equal(WebSocketState.Aborted, _socket.State); // a frame may be half-sent: nothing may follow it
    }

    [Fact]
    public async Task ConcurrentSenders_EachFrameArrivesWhole_NoneLostOrInterleaved()
    {
        // Large frames from eight senders at once: the kernel's buffer fills, so senders wait for each other while the client reads.
        _client.ReceiveBufferSize = 16 * 1024;
        var patient = new SocketWebSocket(_server, Options with { SlowConsumerTimeout = TimeSpan.FromSeconds(30) });
        const int senders = 8, framesEach = 25;
        var sending = Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            for (var i = 0; i < framesEach; i++)
            {
                var payload = new byte[20_000];
                payload.AsSpan().Fill((byte)(sender * framesEach + i));
                await patient.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        })).ToArray();

        var seen = new HashSet<int>();
        for (var n = 0; n < senders * framesEach; n++)
        {
            var (opcode, payload) = await ReadServerFrameAsync();
            Assert.Equal(0x2, opcode);
            Assert.Equal(20_000, payload.Length);
            Assert.Equal(-1, payload.AsSpan().IndexOfAnyExcept(payload[0])); // one sender's frame, not a mix
            Assert.True(seen.Add(payload[0]), $"frame {payload[0]} twice");
        }
        await Task.WhenAll(sending);
    }
}
