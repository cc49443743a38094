using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Penguin.Server.Gateway;

namespace Penguin.Server.Tests;

/// <summary>
/// The WebSocket handshake on raw TCP: the connection-level upgrade takes valid upgrades to /ws, and
/// everything else still reaches the HTTP stack with its usual answers.
/// </summary>
public sealed class UpgradeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Key = RawHttp.SampleKey;

    private static string Handshake(string target = "/ws?v=1", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n" +
        $"sec-websocket-version: 13\r\nsec-websocket-key: {Key}\r\n{extra}\r\n";

    private async Task<NetworkStream> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(fixture.Server.BaseUri.Host, fixture.Server.BaseUri.Port);
        return client.GetStream();
    }

    private static async Task<string> PingAsync(WebSocket socket)
    {
        await socket.SendAsync("{\"op\":\"ping\",\"id\":5}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [Fact]
    public async Task ValidUpgrade_InAnyHeaderCase_SwitchesProtocolsWithTheRfcAcceptValue()
    {
        await using var stream = await ConnectAsync();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Handshake()));

        var head = await RawHttp.ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", head, StringComparison.Ordinal); // RFC 6455 §1.3
        Assert.DoesNotContain("Date:", head, StringComparison.Ordinal); // answered below HTTP: Kestrel's HTTP stack would add a Date
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
        Assert.Equal("{\"type\":\"pong\",\"re\":5}", await PingAsync(socket));
    }

    [Fact]
    public async Task HandshakeArrivingInPieces_WithAFramePipelinedBehindIt_IsServed()
    {
        await using var stream = await ConnectAsync();
        var handshake = Encoding.ASCII.GetBytes(Handshake());
        foreach (var piece in handshake.Chunk(5).Take(4))
        {
            await stream.WriteAsync(piece);
            await Task.Delay(20);
        }
        // The rest of the head and a first frame in one write, as a client that does not wait for 101 would send them.
        await stream.WriteAsync((byte[])[.. handshake.AsSpan(20), .. MaskedTextFrame("{\"op\":\"ping\",\"id\":5}"u8)]);

        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream), StringComparison.Ordinal);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal("{\"type\":\"pong\",\"re\":5}", Encoding.UTF8.GetString(buffer, 0, result.Count));
    }

    [Theory]
    [InlineData("/ws?v=2", "", "400", "不支持的协议版本")]
    [InlineData("/wsx", "", "404", null)]
    [InlineData("/ws/more", "", "404", null)]
    public async Task WhatIsNotAPlainUpgrade_GetsTheHttpStacksAnswer(string target, string extra, string status, string? body)
    {
        await using var stream = await ConnectAsync();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Handshake(target, extra)));

        var head = await RawHttp.ReadHeadAsync(stream);

        Assert.StartsWith($"HTTP/1.1 {status} ", head, StringComparison.Ordinal);
        if (body is not null)
        {
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer);
            Assert.Contains(body, Encoding.UTF8.GetString(buffer, 0, read), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NonUpgradeGetOfWs_IsRefusedWithABilingualMessage()
    {
        await using var stream = await ConnectAsync();
        await stream.WriteAsync("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());

        Assert.StartsWith("HTTP/1.1 400 ", await RawHttp.ReadHeadAsync(stream), StringComparison.Ordinal);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        Assert.Contains("需要 WebSocket 连接", Encoding.UTF8.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepAliveConnection_ServesSeveralHttpRequests()
    {
        await using var stream = await ConnectAsync();
        for (var i = 0; i < 2; i++)
        {
            await stream.WriteAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());
            var head = await RawHttp.ReadHeadAsync(stream);
            Assert.StartsWith("HTTP/1.1 200 ", head, StringComparison.Ordinal);
            var length = int.Parse(head.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var body = new byte[length];
            await stream.ReadExactlyAsync(body);
        }
    }

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", true)]
    [InlineData("GET /ws?v=1&lang=zh HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", true)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", false)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", false)]
    [InlineData("GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", false)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=", false)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13", false)]
    [InlineData("GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", false)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 5", false)]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nbroken header line\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", false)]
    public void OnlyAPlainVersion13UpgradeIsTakenOffTheHttpStack(string head, bool taken) =>
        Assert.Equal(taken, WebSocketUpgrade.ValidHandshakeKey(head) is not null);

    [Theory]
    [InlineData("GE", "NeedMore")]
    [InlineData("GET /w", "NeedMore")]
    [InlineData("GET /ws", "NeedMore")]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n", "NeedMore")]
    [InlineData("GET /wsx HTTP/1.1\r\n", "NotOurs")]
    [InlineData("POST /ws HTTP/1.1\r\n", "NotOurs")]
    [InlineData("\u0016\u0003\u0001", "NotOurs")] // a TLS ClientHello
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", "NotOurs")] // complete, but no key
    public void Inspect_DecidesFromTheFirstBytes(string received, string verdict)
    {
        var (decided, _) = WebSocketUpgrade.Inspect(new(Encoding.Latin1.GetBytes(received)), out var key);

        Assert.Equal(verdict, decided.ToString());
        Assert.Null(key);
    }

    [Fact]
    public void Inspect_AValidHead_EndsExactlyWhereTheFirstFrameBegins()
    {
        var head = Handshake();
        var received = Encoding.Latin1.GetBytes(head + "frame bytes");

        var (decided, end) = WebSocketUpgrade.Inspect(new(received), out var key);

        Assert.Equal(WebSocketUpgrade.Verdict.Ours, decided);
        Assert.Equal(Key, key);
        Assert.Equal(head.Length, new System.Buffers.ReadOnlySequence<byte>(received).Slice(0, end).Length);
    }

    [Fact]
    public void Inspect_AHeadLongerThan8KiB_IsLeftToKestrel()
    {
        var endless = Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\nX-Padding: " + new string('a', 9000));

        var (decided, _) = WebSocketUpgrade.Inspect(new(endless), out _);

        Assert.Equal(WebSocketUpgrade.Verdict.NotOurs, decided);
    }

    /// <summary>A client text frame (RFC 6455 §5.2: FIN + text, masked, payload under 126 bytes).</summary>
    private static byte[] MaskedTextFrame(ReadOnlySpan<byte> payload)
    {
        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        return frame;
    }
}
