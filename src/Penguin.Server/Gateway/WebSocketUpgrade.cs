using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Penguin.Server.Gateway;

/// <summary>
/// A Kestrel connection middleware that takes a well-formed WebSocket upgrade to /ws off the HTTP stack:
/// it answers the RFC 6455 handshake itself and runs the gateway straight on the transport, so an idle
/// device holds no HTTP/1.1 connection state, HttpContext, headers or request pipeline (about half of
/// what each connection kept alive before). Anything else — REST, a non-upgrade GET /ws, a wrong
/// protocol version, an unusual handshake — is handed to Kestrel untouched, where the /ws endpoint and
/// the REST API answer it as before; one path owns every error. On plain TCP endpoints the devices never get
/// here (<see cref="Transport.GatewayListenerFactory"/> serves them before Kestrel); this is the path for TLS.
/// </summary>
public static class WebSocketUpgrade
{
    /// <summary>Longer request heads are not ours to judge: Kestrel answers them (431).</summary>
    private const int MaxHeadBytes = 8 * 1024;

    private static readonly byte[] Prefix = "GET /ws"u8.ToArray();
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    public static void UseWebSocketUpgrade(this ListenOptions listen) =>
        listen.Use(next =>
        {
            var services = listen.ApplicationServices;
            var gateway = services.GetRequiredService<WebSocketGateway>();
            var limits = services.GetRequiredService<ConnectionLimits>();
            var options = services.GetRequiredService<Hosting.ServerOptions>();
            return connection => ServeAsync(connection, next, gateway, limits, options);
        });

    /// <summary>Counts the connection against the caps for as long as it lives; one over a cap is closed at once.</summary>
    private static async Task ServeAsync(ConnectionContext connection, ConnectionDelegate next, WebSocketGateway gateway, ConnectionLimits limits, Hosting.ServerOptions options)
    {
        var address = (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address;
        if (!limits.TryOpen(address))
        {
            connection.Abort(new ConnectionAbortedException("Connection limit reached."));
            return;
        }
        try
        {
            await await AcceptAsync(connection, next, gateway, limits, options);
        }
        finally
        {
            limits.Close(address);
        }
    }

    /// <summary>
    /// Reads the request head and returns what serves the connection from then on: the gateway, or Kestrel.
    /// Returning that task instead of awaiting it lets this method's state go once the handshake is done.
    /// </summary>
    private static async Task<Task> AcceptAsync(ConnectionContext connection, ConnectionDelegate next, WebSocketGateway gateway, ConnectionLimits limits, Hosting.ServerOptions options)
    {
        var input = connection.Transport.Input;
        string? key = null;
        using (var timeout = new CancellationTokenSource(options.HandshakeTimeout))
        {
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync(timeout.Token);
                    var (verdict, consumed) = Inspect(read.Buffer, out key);
                    if (verdict == Verdict.NeedMore && !read.IsCompleted)
                    {
                        input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                        continue;
                    }
                    if (verdict != Verdict.Ours)
                    {
                        input.AdvanceTo(read.Buffer.Start); // nothing consumed: Kestrel reads the same bytes
                        break;
                    }
                    input.AdvanceTo(consumed);
                    break;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Silent, or a head that never ends ("G", a head without its blank line): closed, not handed on to wait more.
                connection.Abort(new ConnectionAbortedException("Handshake timeout."));
                return Task.CompletedTask;
            }
        }
        if (key is null) return next(connection);

        if (!limits.TryOpenWebSocket())
        {
            // The gateway is full: say so over HTTP (REST and /healthz keep working on other connections).
            await connection.Transport.Output.WriteAsync(GatewayFull);
            await connection.Transport.Output.CompleteAsync();
            return Task.CompletedTask;
        }
        try
        {
            await connection.Transport.Output.WriteAsync(SwitchingProtocols(key));
        }
        catch
        {
            limits.CloseWebSocket();
            throw;
        }
        var socket = WebSocket.CreateFromStream(new TransportStream(connection.Transport, options.MaxUnflushedBytes, options.SlowConsumerTimeout), new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = TimeSpan.Zero, // the protocol's own ping keeps connections alive
        });
        return RunCountedAsync(gateway, socket, limits);
    }

    private static async Task RunCountedAsync(WebSocketGateway gateway, WebSocket socket, ConnectionLimits limits)
    {
        try
        {
            await gateway.RunAsync(socket);
        }
        finally
        {
            limits.CloseWebSocket();
        }
    }

    /// <summary>The answer to an upgrade when the gateway holds its maximum of WebSockets.</summary>
    internal static readonly byte[] GatewayFull = BuildGatewayFull();

    private static byte[] BuildGatewayFull()
    {
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Protocol.ErrorResponse(Protocol.Errors.Unavailable.With(
            "The server holds as many connections as it can; try again shortly.", "服务器连接数已满，请稍后再试。")), Protocol.PenguinJson.Wire.ErrorResponse);
        return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
    }

    internal enum Verdict { NeedMore, Ours, NotOurs }

    /// <summary>Decides from the bytes so far whether this is a plain, valid upgrade to /ws; on yes also where its head ends.</summary>
    internal static (Verdict Verdict, SequencePosition HeadEnd) Inspect(ReadOnlySequence<byte> buffer, out string? key)
    {
        key = null;
        var length = (int)Math.Min(buffer.Length, Prefix.Length + 1);
        Span<byte> first = stackalloc byte[length];
        buffer.Slice(0, length).CopyTo(first);
        var compared = Math.Min(length, Prefix.Length);
        if (!first[..compared].SequenceEqual(Prefix.AsSpan(0, compared))) return (Verdict.NotOurs, default);
        if (first.Length <= Prefix.Length) return (Verdict.NeedMore, default);
        if (first[Prefix.Length] is not ((byte)' ' or (byte)'?')) return (Verdict.NotOurs, default);

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
            return (buffer.Length > MaxHeadBytes ? Verdict.NotOurs : Verdict.NeedMore, default);
        if (head.Length > MaxHeadBytes) return (Verdict.NotOurs, default);

        key = ValidHandshakeKey(Encoding.Latin1.GetString(head));
        return key is null ? (Verdict.NotOurs, default) : (Verdict.Ours, reader.Position);
    }

    /// <summary>The Sec-WebSocket-Key of a request head that is a plain version-13 upgrade to /ws (protocol v1); else null.</summary>
    internal static string? ValidHandshakeKey(string head)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[2] != "HTTP/1.1") return null;
        var target = requestLine[1];
        var queryAt = target.IndexOf('?', StringComparison.Ordinal);
        if ((queryAt < 0 ? target : target[..queryAt]) != "/ws") return null;
        if (queryAt >= 0 && !QueryAcceptable(target[(queryAt + 1)..])) return null;

        bool upgrade = false, connectionUpgrade = false, version13 = false;
        string? key = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) return null;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (Is(name, "Upgrade")) upgrade = Is(value, "websocket");
            else if (Is(name, "Connection")) connectionUpgrade = value.Split(',').Any(token => Is(token.Trim(), "Upgrade"));
            else if (Is(name, "Sec-WebSocket-Version")) version13 = value == "13";
            else if (Is(name, "Sec-WebSocket-Key")) key = value;
            else if (Is(name, "Content-Length") && value != "0" || Is(name, "Transfer-Encoding")) return null;
        }
        return upgrade && connectionUpgrade && version13 && IsValidKey(key) ? key : null;
    }

    /// <summary>Only the protocol version parameter means anything to the gateway; any other version is refused by the HTTP path.</summary>
    private static bool QueryAcceptable(string query) =>
        query.Split('&').All(pair => !pair.StartsWith("v=", StringComparison.Ordinal) || pair == $"v={WebSocketGateway.ProtocolVersion}");

    private static bool Is(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsValidKey(string? key)
    {
        Span<byte> nonce = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, nonce, out var length) && length == 16;
    }

    /// <summary>The 101 reply with Sec-WebSocket-Accept = base64(SHA-1(key + the RFC 6455 GUID)).</summary>
    internal static byte[] SwitchingProtocols(string key)
    {
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here; it proves the server read the key, it protects nothing.
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        return Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }

    /// <summary>The transport's two pipes as the one stream a WebSocket runs on. A zero-byte read waits for data without holding a buffer.</summary>
    private sealed class TransportStream(IDuplexPipe transport, int maxUnflushedBytes, TimeSpan slowConsumerTimeout) : Stream
    {
        private long _held;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var result = await transport.Input.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    var count = (int)Math.Min(buffer.Length, destination.Length);
                    buffer.Slice(0, count).CopyTo(destination.Span);
                    transport.Input.AdvanceTo(buffer.GetPosition(count));
                    return count;
                }
                transport.Input.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled) return 0;
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            // Held bytes are bounded: past the limit the burst is flushed here, and the flush waits for the client.
            if (FlushHold.IsHeld && _held + source.Length <= maxUnflushedBytes)
            {
                transport.Output.Write(source.Span);
                _held += source.Length;
                return;
            }
            _held = 0;
            var pending = transport.Output.WriteAsync(source, cancellationToken);
            FlushResult flush;
            if (pending.IsCompleted) flush = pending.Result;
            else
            {
                // The transport is full (its pause threshold): the client is not reading. One that stays so is dropped.
                try
                {
                    flush = await pending.AsTask().WaitAsync(slowConsumerTimeout, cancellationToken);
                }
                catch (TimeoutException e)
                {
                    throw new SlowConsumerException(e);
                }
            }
            if (flush.IsCompleted) throw new IOException("The connection was closed.");
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
