using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Penguin.Load.Net;

/// <summary>What a <see cref="WireDevice"/> hands its owner, on its receive loop (one call at a time per device).</summary>
public interface IWireEvents
{
    /// <summary>A <c>msg.sent</c> answered request <paramref name="id"/> (an even id: see <see cref="WireDevice"/>).</summary>
    void Accepted(long id);

    /// <summary>An <c>error</c> answered request <paramref name="id"/>.</summary>
    void Refused(long id, string code);

    /// <summary>A <c>message</c> from someone else arrived; <paramref name="clientId"/> is its client id in UTF-8.</summary>
    void Received(ReadOnlySpan<byte> clientId);

    /// <summary>Every frame of one read has been handled: the moment to send more in one write.</summary>
    void Drained();

    /// <summary>The connection has ended.</summary>
    void Closed();
}

/// <summary>
/// A lean WebSocket device for the load tool's hot path (chat): RFC 6455 framing on a raw socket, read by an
/// <see cref="EpollReactor"/> thread (no thread-pool hand-off per read) that takes everything the kernel has into
/// one buffer and parses every complete frame in it with a
/// <see cref="Utf8JsonReader"/> for only the fields the accounting needs (type, re, seq, message.from,
/// message.clientId); frames the caller composes are written together in one <c>send</c> system call. No task,
/// completion source or object per message; with <see cref="AutoAcknowledge"/> the acks go out from the reactor's
/// thread too, at its next tick. Request ids are the caller's: even ids are its own (<see cref="IWireEvents"/>),
/// odd ids this class's (auth, sync). The general <c>Penguin.Client.PenguinConnection</c> stays the reference client;
/// this one speaks the same protocol (v1) for as little CPU as possible. Client frames are masked with a zero key
/// (valid framing; masking protects proxies' caches, and this tool only talks to loopback).
/// </summary>
public sealed class WireDevice : IReadable, ITickable, IAsyncDisposable
{
    private const int MaxFrame = 16 * 1024 * 1024;
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly EpollReactor _reactor = EpollReactor.Next();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _upgraded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _expectedAccept;
    private int _slot = -1;
    private int _ending;
    private readonly Lock _sendLock = new();
    private readonly ArrayBufferWriter<byte> _out = new(16 * 1024);
    private readonly ArrayBufferWriter<byte> _fragments = new();
    private byte[] _in;
    private int _start, _count;
    private long _lastSeq;
    private int _ackDue;
    private long _nextControl = 1;
    private TaskCompletionSource<ControlReply>? _control;
    private long _controlId;
    private int _disposed;
    private bool _socketClosed;
    private bool _tickPending; // on the reactor's thread only
    private int _unansweredErrors;
    private int _acksSent;

    private WireDevice(Socket socket, long number, string expectedAccept)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        Number = number;
        _expectedAccept = expectedAccept;
        _in = new byte[64 * 1024];
    }

    /// <summary>The account this device is logged in as (its own copies of what it sends are not handed on).</summary>
    public long Number { get; }

    /// <summary>Where frames go; set before traffic starts (frames arriving before are only tracked for <see cref="LastSeq"/>).</summary>
    public IWireEvents? Events { get; set; }

    /// <summary>The highest durable seq received so far (the cursor a sync resumes from).</summary>
    public long LastSeq => Volatile.Read(ref _lastSeq);

    /// <summary>Completes when the connection has ended.</summary>
    public Task Completion => _ended.Task;

    /// <summary>Guards composing frames (<see cref="AppendFrame"/>) and <see cref="Flush"/>.</summary>
    public Lock SendLock => _sendLock;

    /// <summary>Connects from the next source address, upgrades to a WebSocket at <paramref name="uri"/> and authenticates with <paramref name="token"/>.</summary>
    public static Task<WireDevice> ConnectAsync(LoopbackNetwork network, Uri uri, long number, string token, CancellationToken ct) =>
        ConnectAsync(network, uri, number, token, since: null, events: null, ct);

    /// <summary>
    /// Connects as a client does after losing its node: <c>auth</c> with <paramref name="since"/>, so every event after it
    /// comes, in order and once, right after <c>authed</c>; <paramref name="events"/> hears them (set before anything arrives).
    /// </summary>
    public static Task<WireDevice> ResumeAsync(LoopbackNetwork network, Uri uri, long number, string token, long since, IWireEvents events, CancellationToken ct) =>
        ConnectAsync(network, uri, number, token, since, events, ct);

    private static async Task<WireDevice> ConnectAsync(LoopbackNetwork network, Uri uri, long number, string token, long? since, IWireEvents? events, CancellationToken ct)
    {
        // Connected and written with blocking calls (immediate on loopback): a socket that once used the .NET async
        // API stays registered with the runtime's own epoll, which would wake for every read the reactor makes.
        var socket = network.ConnectSocket(uri.Host, uri.Port);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
#pragma warning disable CA5350 // RFC 6455 names SHA-1 for the handshake; it protects nothing
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        var device = new WireDevice(socket, number, accept) { Events = events };
        try
        {
            device._slot = device._reactor.Add(device._fd, device);
            var head = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            lock (device._sendLock)
            {
                device._out.Write(Encoding.ASCII.GetBytes(head));
                device.Flush();
            }
            await device._upgraded.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            var authed = await device.RequestAsync((w, id) =>
            {
                w.WriteString("op"u8, "auth"u8);
                w.WriteNumber("id"u8, id);
                w.WriteString("token"u8, token);
                if (since is { } cursor) w.WriteNumber("since"u8, cursor);
            }, ct);
            if (authed.Kind != FrameKind.Authed) throw new IOException($"Authentication was refused ({authed.Code ?? authed.Kind.ToString()}).");
            return device;
        }
        catch
        {
            await device.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks for every durable event after <paramref name="since"/>; they reach <see cref="Events"/> before this completes.</summary>
    public async Task SyncAsync(long since, CancellationToken ct)
    {
        var reply = await RequestAsync((w, id) =>
        {
            w.WriteString("op"u8, "sync"u8);
            w.WriteNumber("id"u8, id);
            w.WriteNumber("since"u8, since);
        }, ct);
        if (reply.Kind != FrameKind.Synced) throw new IOException($"sync was refused ({reply.Code ?? reply.Kind.ToString()}).");
    }

    /// <summary>
    /// Acknowledge what arrives on its own, as the general client does: one <c>ack</c> with the cursor at the reactor's
    /// next tick (every <see cref="EpollReactor.TickInterval"/>) after messages arrived. Set before traffic starts.
    /// </summary>
    public bool AutoAcknowledge { get; set; }

    /// <summary>Marks that a message arrived: the next <see cref="AcknowledgeIfDue"/> sends one <c>ack</c> with the cursor.</summary>
    private void AckLater()
    {
        Volatile.Write(ref _ackDue, 1);
        if (!AutoAcknowledge || _tickPending) return;
        _tickPending = true;
        _reactor.AtNextTick(this);
    }

    /// <summary>The reactor's tick after a message arrived (<see cref="AutoAcknowledge"/>).</summary>
    public void OnTick()
    {
        _tickPending = false;
        AcknowledgeIfDue();
    }

    /// <summary>Sends one <c>ack</c> with the cursor when messages arrived since the last one.</summary>
    public void AcknowledgeIfDue()
    {
        if (Interlocked.Exchange(ref _ackDue, 0) == 0 || Completion.IsCompleted) return;
        Span<byte> json = stackalloc byte[AckMaxLength];
        var length = WriteAck(json, LastSeq);
        lock (_sendLock)
        {
            AppendFrame(json[..length]);
            Flush();
        }
        Interlocked.Increment(ref _acksSent);
    }

    /// <summary>How many <c>ack</c> frames <see cref="AcknowledgeIfDue"/> has sent.</summary>
    public int AcksSent => Volatile.Read(ref _acksSent);

    /// <summary>Room <see cref="WriteAck"/> needs at most.</summary>
    public const int AckMaxLength = 48;

    /// <summary>Writes the JSON of <c>{"op":"ack","seq":N}</c> into <paramref name="destination"/> (at least <see cref="AckMaxLength"/> bytes); returns its length.</summary>
    public static int WriteAck(Span<byte> destination, long seq)
    {
        var prefix = "{\"op\":\"ack\",\"seq\":"u8;
        prefix.CopyTo(destination);
        var length = prefix.Length;
        System.Buffers.Text.Utf8Formatter.TryFormat(seq, destination[length..], out var written);
        length += written;
        destination[length++] = (byte)'}';
        return length;
    }

    /// <summary>
    /// <c>error</c> frames that answered no request of this device's (no <c>re</c>): the server could not read
    /// something it sent, such as a malformed <c>ack</c> (answered <c>bad_json</c>). A correct run has none.
    /// </summary>
    public int UnansweredErrors => Volatile.Read(ref _unansweredErrors);

    /// <summary>The code of the first <see cref="UnansweredErrors"/> frame, if any.</summary>
    public string? FirstUnansweredError { get; private set; }

    /// <summary>Appends one masked text frame holding <paramref name="json"/> to what <see cref="Flush"/> sends (hold <see cref="SendLock"/>).</summary>
    public void AppendFrame(ReadOnlySpan<byte> json) => AppendFrame(json, opcode: 0x1);

    /// <summary>Writes every appended frame with one <c>send</c> call (hold <see cref="SendLock"/>); a broken or closed connection drops them (the receive loop ends it).</summary>
    public void Flush()
    {
        if (_out.WrittenCount == 0) return;
        // Straight to the kernel (the .NET socket's checks and handle counting cost more than the call at these
        // rates); the descriptor is closed only under the send lock (DisposeAsync), so it cannot be another's by now.
        if (!_socketClosed) EpollReactor.SendAll(_fd, _out.WrittenSpan);
        _out.ResetWrittenCount();
    }

    /// <summary>Says goodbye (close 1000) and waits up to 5 s for the server's close before dropping the socket.</summary>
    public async Task CloseAsync()
    {
        if (!Completion.IsCompleted)
        {
            lock (_sendLock)
            {
                AppendFrame([0x03, 0xE8], opcode: 0x8);
                Flush();
            }
            await Task.WhenAny(Completion, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_slot < 0) End(); // never registered: nothing will read it
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        // The reactor reads the end of the stream and unregisters the socket before it is closed.
        await Completion;
        lock (_sendLock)
        {
            _socketClosed = true;
            _socket.Dispose();
        }
    }

    private async Task<ControlReply> RequestAsync(Action<Utf8JsonWriter, long> write, CancellationToken ct)
    {
        var id = Interlocked.Add(ref _nextControl, 2);
        var reply = new TaskCompletionSource<ControlReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _controlId, id);
        if (Interlocked.CompareExchange(ref _control, reply, null) is not null) throw new InvalidOperationException("One request at a time.");
        try
        {
            var json = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(json))
            {
                writer.WriteStartObject();
                write(writer, id);
                writer.WriteEndObject();
            }
            lock (_sendLock)
            {
                AppendFrame(json.WrittenSpan);
                Flush();
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            return await reply.Task.WaitAsync(timeout.Token);
        }
        finally
        {
            Interlocked.Exchange(ref _control, null);
        }
    }

    private void AppendFrame(ReadOnlySpan<byte> payload, byte opcode)
    {
        var header = payload.Length < 126 ? 6 : payload.Length <= ushort.MaxValue ? 8 : 14;
        var span = _out.GetSpan(header + payload.Length);
        span[0] = (byte)(0x80 | opcode);
        if (payload.Length < 126) span[1] = (byte)(0x80 | payload.Length);
        else if (payload.Length <= ushort.MaxValue)
        {
            span[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)payload.Length);
        }
        else
        {
            span[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(span[2..], (ulong)payload.Length);
        }
        span.Slice(header - 4, 4).Clear(); // the masking key: zero, so the payload goes as it is
        payload.CopyTo(span[header..]);
        _out.Advance(header + payload.Length);
    }

    /// <summary>On the reactor's thread: reads what the kernel holds, handles every complete frame, then lets the owner send.</summary>
    public void OnReadable()
    {
        if (Volatile.Read(ref _ending) == 1) return;
        try
        {
            while (true)
            {
                var space = _in.Length - _count;
                var n = EpollReactor.ReceiveNow(_fd, _in.AsSpan(_count));
                if (n == -1) break; // nothing more for now
                if (n <= 0)
                {
                    End();
                    return;
                }
                _count += n;
                if (!Process())
                {
                    End();
                    return;
                }
                if (n < space) break; // the kernel had no more (level-triggered: anything newer is reported again)
            }
            if (_upgraded.Task.IsCompletedSuccessfully) Events?.Drained();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or JsonException or InvalidOperationException or FormatException)
        {
            // A broken connection or a frame this client cannot read ends it; the accounting notices what is missing.
            End();
        }
    }

    /// <summary>Handles what the buffer holds (the upgrade answer first); false when the server closed the connection.</summary>
    private bool Process()
    {
        if (!_upgraded.Task.IsCompleted)
        {
            var end = _in.AsSpan(0, _count).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (_count == _in.Length) throw new IOException("The WebSocket upgrade answer is too long.");
                return true;
            }
            var answer = Encoding.ASCII.GetString(_in, 0, end);
            if (!answer.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                throw new IOException($"The WebSocket upgrade was refused: {answer.Split("\r\n")[0]}");
            if (!answer.Contains(_expectedAccept, StringComparison.Ordinal)) throw new IOException("The WebSocket upgrade answer has a wrong Sec-WebSocket-Accept.");
            _start = end + 4;
            _upgraded.TrySetResult();
        }
        var needed = ParseFrames();
        if (needed < 0) return false; // closed by the server
        if (_start > 0)
        {
            Buffer.BlockCopy(_in, _start, _in, 0, _count - _start);
            _count -= _start;
            _start = 0;
        }
        if (needed > _in.Length) Array.Resize(ref _in, Math.Max(needed, _in.Length * 2));
        return true;
    }

    /// <summary>Ends the connection once: unregisters it, fails what waits on it and tells the owner.</summary>
    private void End()
    {
        if (Interlocked.Exchange(ref _ending, 1) == 1) return;
        if (_slot >= 0) _reactor.Remove(_fd, _slot);
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _upgraded.TrySetException(new IOException("The connection ended during the WebSocket upgrade."));
        Volatile.Read(ref _control)?.TrySetException(new IOException("The connection ended."));
        Events?.Closed();
        _ended.TrySetResult();
    }

    /// <summary>Handles every complete frame in the buffer; returns the bytes the next frame needs in all, or -1 after a close.</summary>
    private int ParseFrames()
    {
        while (true)
        {
            var available = _count - _start;
            if (available < 2) return 2;
            var frame = _in.AsSpan(_start, available);
            var fin = (frame[0] & 0x80) != 0;
            var opcode = frame[0] & 0x0F;
            if ((frame[1] & 0x80) != 0) throw new IOException("The server masked a frame.");
            long length = frame[1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                if (available < 4) return 4;
                length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (available < 10) return 10;
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(frame[2..]);
                header = 10;
            }
            if (length > MaxFrame) throw new IOException("A frame is too large.");
            var total = header + (int)length;
            if (available < total) return total;
            var payload = frame.Slice(header, (int)length);
            switch (opcode)
            {
                case 0x1 when fin:
                    Handle(payload);
                    break;
                case 0x1 or 0x0:
                    _fragments.Write(payload);
                    if (fin)
                    {
                        Handle(_fragments.WrittenSpan);
                        _fragments.ResetWrittenCount();
                    }
                    break;
                case 0x8:
                    lock (_sendLock)
                    {
                        AppendFrame(payload.Length >= 2 ? payload[..2] : [], opcode: 0x8);
                        Flush();
                    }
                    return -1;
                case 0x9:
                    lock (_sendLock)
                    {
                        AppendFrame(payload, opcode: 0xA);
                        Flush();
                    }
                    break;
            }
            _start += total;
        }
    }

    private void Handle(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
        var kind = FrameKind.Other;
        long re = 0, seq = 0, from = 0;
        string? code = null;
        ReadOnlySpan<byte> clientId = default;
        byte[]? unescaped = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                // A group's message and its answer read the same as a one-to-one's (the group scenario).
                kind = reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("group.message"u8) ? FrameKind.Message
                    : reader.ValueTextEquals("msg.sent"u8) || reader.ValueTextEquals("group.sent"u8) ? FrameKind.Sent
                    : reader.ValueTextEquals("error"u8) ? FrameKind.Error
                    : reader.ValueTextEquals("authed"u8) ? FrameKind.Authed
                    : reader.ValueTextEquals("synced"u8) ? FrameKind.Synced
                    : FrameKind.Other;
            }
            else if (reader.ValueTextEquals("re"u8))
            {
                reader.Read();
                re = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                seq = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.GetString();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("from"u8))
                    {
                        reader.Read();
                        from = reader.GetInt64();
                    }
                    else if (reader.ValueTextEquals("clientId"u8))
                    {
                        reader.Read();
                        if (!reader.ValueIsEscaped) clientId = reader.ValueSpan;
                        else
                        {
                            unescaped = new byte[reader.ValueSpan.Length];
                            clientId = unescaped.AsSpan(0, reader.CopyString(unescaped));
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (seq > _lastSeq) Volatile.Write(ref _lastSeq, seq);
        if (kind == FrameKind.Error && re == 0)
        {
            FirstUnansweredError ??= code ?? "error";
            Interlocked.Increment(ref _unansweredErrors);
            return;
        }
        if ((re & 1) == 1)
        {
            if (re == Volatile.Read(ref _controlId)) Volatile.Read(ref _control)?.TrySetResult(new ControlReply(kind, code));
            return;
        }
        var events = Events;
        switch (kind)
        {
            case FrameKind.Message when from != Number:
                AckLater();
                events?.Received(clientId);
                break;
            case FrameKind.Sent when re > 0:
                events?.Accepted(re);
                break;
            case FrameKind.Error when re > 0:
                events?.Refused(re, code ?? "error");
                break;
        }
    }

    private enum FrameKind
    {
        Other,
        Message,
        Sent,
        Error,
        Authed,
        Synced,
    }

    private sealed record ControlReply(FrameKind Kind, string? Code);
}
