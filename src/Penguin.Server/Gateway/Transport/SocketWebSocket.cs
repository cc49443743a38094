using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Penguin.Server.Gateway.Transport;

/// <summary>
/// The server side of RFC 6455 straight on a socket, for the gateway's devices: no pipes, no stream adapter, no
/// buffer while idle (the receive waits with a zero-byte read and rents a buffer only when bytes arrive). It
/// implements what the gateway uses — one receive loop, serialized sends, pings answered, the closing
/// handshake — and fails the connection (1002) on any frame a client may not send: unmasked, reserved bits,
/// unknown opcodes, a fragmented or long control frame, a continuation without a message, a 64-bit length
/// with its top bit set. UTF-8 of text messages is checked by the gateway once a message is whole.
/// </summary>
internal sealed class SocketWebSocket : WebSocket
{
    private const int RawBufferBytes = 4096;
    private const int MaxControlPayload = 125;

    private readonly Socket _socket;
    private readonly SocketWebSocketOptions _options;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    // Receive side: bytes read off the socket but not yet used, and the frame being read.
    private byte[]? _raw;
    private int _rawStart, _rawEnd;
    private long _payloadLeft;
    private bool _inFrame, _frameFinal, _inMessage;
    private WebSocketMessageType _messageType;
    private uint _mask;
    private int _maskOffset;

    // Send side: frames of a burst held for one send (FlushHold), bounded by MaxUnflushedBytes.
    private byte[]? _held;
    private int _heldLength;

    private volatile WebSocketState _state = WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;

    public SocketWebSocket(Socket socket, SocketWebSocketOptions options, ReadOnlySpan<byte> alreadyRead = default)
    {
        _socket = socket;
        _options = options;
        // Sends are tried at once and only wait (asynchronously) when the kernel's buffer is full: most
        // connections then never allocate the socket's cached send state (~360 bytes each).
        socket.Blocking = false;
        if (!alreadyRead.IsEmpty)
        {
            _raw = ArrayPool<byte>.Shared.Rent(Math.Max(RawBufferBytes, alreadyRead.Length));
            alreadyRead.CopyTo(_raw);
            _rawEnd = alreadyRead.Length;
        }
    }

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;
    public override string? CloseStatusDescription => _closeDescription;
    public override WebSocketState State => _state;
    public override string? SubProtocol => null;

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return result.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, _closeStatus, _closeDescription)
            : new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    /// <summary>
    /// Completes when the peer has sent something (or has gone: then the next receive says so). This is the idle
    /// connection's wait: the socket's own zero-byte receive, with no state machine or cancellation registration
    /// of ours parked beside it — ending the connection aborts the socket, which ends the wait.
    /// </summary>
    public ValueTask<int> WaitUntilReadableAsync() =>
        _raw is null && !_inFrame ? _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None) : ValueTask.FromResult(1);

    /// <summary>
    /// The next part of a message. An empty buffer waits until a message's frame has begun and says its type
    /// (a Close when the peer ends), consuming nothing of its payload.
    /// </summary>
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_state is not (WebSocketState.Open or WebSocketState.CloseSent))
            throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket is not open for receiving.");
        try
        {
            while (!_inFrame)
            {
                await FillAsync(2, cancellationToken);
                if (await ReadFrameHeaderAsync(cancellationToken) is { } close) return close;
            }
            if (buffer.IsEmpty) return new ValueWebSocketReceiveResult(0, _messageType, endOfMessage: false);

            var count = (int)Math.Min(buffer.Length, _payloadLeft);
            var buffered = Math.Min(count, _rawEnd - _rawStart);
            if (buffered > 0)
            {
                _raw.AsSpan(_rawStart, buffered).CopyTo(buffer.Span);
                _rawStart += buffered;
            }
            else if (count > 0)
            {
                // Nothing buffered: read straight into the caller's memory.
                count = await _socket.ReceiveAsync(buffer[..count], SocketFlags.None, cancellationToken);
                if (count == 0) throw ClosedPrematurely();
                buffered = count;
            }
            Unmask(buffer.Span[..buffered]);
            _payloadLeft -= buffered;
            var endOfMessage = _payloadLeft == 0 && _frameFinal;
            if (_payloadLeft == 0) _inFrame = false;
            if (endOfMessage) _inMessage = false;
            return new ValueWebSocketReceiveResult(buffered, _messageType, endOfMessage);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && _state != WebSocketState.Aborted)
        {
            Abort();
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, e);
        }
        finally
        {
            ReleaseRawIfEmpty();
        }
    }

    /// <summary>Reads one frame header; control frames are handled here (a Close is returned), data frames start being read.</summary>
    private async ValueTask<ValueWebSocketReceiveResult?> ReadFrameHeaderAsync(CancellationToken cancellationToken)
    {
        var first = _raw![_rawStart];
        var second = _raw[_rawStart + 1];
        var final = (first & 0x80) != 0;
        var opcode = first & 0x0F;
        var lengthCode = second & 0x7F;
        var headerLength = 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + 4;
        if ((first & 0x70) != 0) throw await FailAsync("Reserved bits are set.");
        if ((second & 0x80) == 0) throw await FailAsync("Client frames must be masked.");
        await FillAsync(headerLength, cancellationToken);

        var header = _raw.AsSpan(_rawStart, headerLength);
        long length = lengthCode switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => BinaryPrimitives.ReadInt64BigEndian(header[2..]),
            _ => lengthCode,
        };
        if (length < 0) throw await FailAsync("The payload length's top bit is set.");
        _mask = BinaryPrimitives.ReadUInt32LittleEndian(header[(headerLength - 4)..]);
        _maskOffset = 0;
        _rawStart += headerLength;

        switch (opcode)
        {
            case 0x8 or 0x9 or 0xA:
                if (!final || length > MaxControlPayload) throw await FailAsync("Control frames are single and short.");
                return await ReadControlFrameAsync(opcode, (int)length, cancellationToken);
            case 0x0:
                if (!_inMessage) throw await FailAsync("A continuation frame without a message.");
                break;
            case 0x1 or 0x2:
                if (_inMessage) throw await FailAsync("A new message before the last one ended.");
                _messageType = opcode == 0x1 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                _inMessage = true;
                break;
            default:
                throw await FailAsync("Unknown opcode.");
        }
        _payloadLeft = length;
        _frameFinal = final;
        _inFrame = true;
        return null;
    }

    private async ValueTask<ValueWebSocketReceiveResult?> ReadControlFrameAsync(int opcode, int length, CancellationToken cancellationToken)
    {
        await FillAsync(length, cancellationToken);
        var payload = _raw.AsSpan(_rawStart, length);
        Unmask(payload);
        _rawStart += length;
        if (opcode == 0xA) return null; // pong: nothing to do
        if (opcode == 0x9)
        {
            var copy = payload.ToArray();
            await SendFrameAsync(0xA, copy, cancellationToken);
            return null;
        }

        // Close: an optional status code (never 1005/1006/1015 or out of range) and UTF-8 reason.
        if (length == 1) throw await FailAsync("A close frame of one byte.");
        if (length >= 2)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!IsValidCloseCode(code) || !System.Text.Unicode.Utf8.IsValid(payload[2..])) throw await FailAsync("Invalid close frame.");
            _closeStatus = (WebSocketCloseStatus)code;
            _closeDescription = Encoding.UTF8.GetString(payload[2..]);
        }
        else
        {
            _closeStatus = WebSocketCloseStatus.Empty;
        }
        _state = _state == WebSocketState.CloseSent ? WebSocketState.Closed : WebSocketState.CloseReceived;
        return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, endOfMessage: true);
    }

    private static bool IsValidCloseCode(int code) => code is >= 1000 and <= 1014 and not (1004 or 1005 or 1006) or >= 3000 and <= 4999;

    /// <summary>Makes at least <paramref name="count"/> unused bytes available; an idle connection waits without a buffer.</summary>
    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_rawEnd - _rawStart < count)
        {
            if (_raw is null)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
                _raw = ArrayPool<byte>.Shared.Rent(RawBufferBytes);
                _rawStart = _rawEnd = 0;
            }
            else if (_rawStart > 0)
            {
                _raw.AsSpan(_rawStart, _rawEnd - _rawStart).CopyTo(_raw);
                _rawEnd -= _rawStart;
                _rawStart = 0;
            }
            var read = await _socket.ReceiveAsync(_raw.AsMemory(_rawEnd), SocketFlags.None, cancellationToken);
            if (read == 0) throw ClosedPrematurely();
            _rawEnd += read;
        }
    }

    private void ReleaseRawIfEmpty()
    {
        if (_raw is null || _rawStart < _rawEnd) return;
        ArrayPool<byte>.Shared.Return(_raw);
        _raw = null;
        _rawStart = _rawEnd = 0;
    }

    private void Unmask(Span<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
            data[i] ^= (byte)(_mask >> (8 * ((_maskOffset + i) & 3)));
        _maskOffset = (_maskOffset + data.Length) & 3;
    }

    private WebSocketException ClosedPrematurely()
    {
        _state = WebSocketState.Aborted;
        return new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The peer closed the connection without a close frame.");
    }

    /// <summary>A protocol violation: says 1002 (best effort) and aborts.</summary>
    private async ValueTask<WebSocketException> FailAsync(string why)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await SendCloseFrameAsync(WebSocketCloseStatus.ProtocolError, "protocol error", quick.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or WebSocketException or IOException)
        {
            // The peer is already gone or not reading: the abort below ends it either way.
        }
        Abort();
        return new WebSocketException(WebSocketError.Faulted, why);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (!endOfMessage) throw new NotSupportedException("The gateway sends whole messages.");
        if (_state is not (WebSocketState.Open or WebSocketState.CloseReceived))
            throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket is not open for sending.");
        return SendFrameAsync(messageType == WebSocketMessageType.Binary ? 0x2 : 0x1, buffer, cancellationToken);
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    /// <summary>
    /// Writes one unmasked final frame. While the pump holds (a burst), frames are only gathered, up to the bound;
    /// the next frame without the hold sends them all in one call. A client that does not take the bytes within
    /// the slow-consumer timeout is a <see cref="SlowConsumerException"/>.
    /// </summary>
    private async ValueTask SendFrameAsync(int opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            var frameLength = HeaderLength(payload.Length) + payload.Length;
            var hold = FlushHold.IsHeld && _heldLength + frameLength <= _options.MaxUnflushedBytes;
            EnsureHeldCapacity(_heldLength + frameLength);
            _heldLength += WriteFrame(_held.AsSpan(_heldLength), opcode, payload.Span);
            if (hold) return;

            var sent = SendNow(_socket, _held.AsSpan(0, _heldLength));
            if (sent < _heldLength)
            {
                try
                {
                    await _socket.SendAsync(_held.AsMemory(sent, _heldLength - sent), SocketFlags.None, cancellationToken)
                        .AsTask().WaitAsync(_options.SlowConsumerTimeout, cancellationToken);
                }
                catch (TimeoutException e)
                {
                    // Part of a frame may still be queued for the socket: no later frame may follow it, so the connection ends here.
                    Abort();
                    throw new SlowConsumerException(e);
                }
                catch (OperationCanceledException)
                {
                    Abort();
                    throw;
                }
            }
            ArrayPool<byte>.Shared.Return(_held!);
            _held = null;
            _heldLength = 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Abort();
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Writes what the kernel takes now from a non-blocking socket and says how much that was; the rest is for an
    /// asynchronous send. A connection that always keeps up never needs one.
    /// </summary>
    internal static int SendNow(Socket socket, ReadOnlySpan<byte> bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            var n = socket.Send(bytes[sent..], SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) break;
            if (error != SocketError.Success) throw new SocketException((int)error);
            sent += n;
        }
        return sent;
    }

    /// <summary>Sends all of <paramref name="bytes"/> on a non-blocking socket, waiting only if the kernel does not take them at once.</summary>
    internal static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes)
    {
        var sent = SendNow(socket, bytes.Span);
        if (sent < bytes.Length) await socket.SendAsync(bytes[sent..], SocketFlags.None);
    }

    private void EnsureHeldCapacity(int needed)
    {
        if (_held is not null && _held.Length >= needed) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 1024));
        if (_held is not null)
        {
            _held.AsSpan(0, _heldLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_held);
        }
        _held = bigger;
    }

    private static int HeaderLength(int payloadLength) => payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    private static int WriteFrame(Span<byte> destination, int opcode, ReadOnlySpan<byte> payload)
    {
        destination[0] = (byte)(0x80 | opcode);
        int header;
        if (payload.Length <= 125)
        {
            destination[1] = (byte)payload.Length;
            header = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
            header = 4;
        }
        else
        {
            destination[1] = 127;
            BinaryPrimitives.WriteInt64BigEndian(destination[2..], payload.Length);
            header = 10;
        }
        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        if (_state is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        await SendCloseFrameAsync(closeStatus, statusDescription, cancellationToken);
        _state = _state == WebSocketState.CloseReceived ? WebSocketState.Closed : WebSocketState.CloseSent;
    }

    private ValueTask SendCloseFrameAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        var reason = Encoding.UTF8.GetBytes(statusDescription ?? "");
        if (reason.Length > MaxControlPayload - 2) throw new ArgumentException("A close reason is at most 123 bytes.", nameof(statusDescription));
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)closeStatus);
        reason.CopyTo(payload, 2);
        return SendFrameAsync(0x8, payload, cancellationToken);
    }

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken);
        var discard = new byte[256];
        while (_state == WebSocketState.CloseSent)
        {
            var result = await ReceiveAsync(discard.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) break;
        }
    }

    public override void Abort()
    {
        _state = WebSocketState.Aborted;
        _socket.Dispose();
    }

    /// <summary>Closes the socket. Pooled buffers still referenced are left to the GC rather than risk returning one in use.</summary>
    public override void Dispose()
    {
        if (_state is not (WebSocketState.Closed or WebSocketState.Aborted)) _state = WebSocketState.Closed;
        _socket.Dispose();
    }
}

/// <summary>The gateway's bounds for a <see cref="SocketWebSocket"/>'s sends.</summary>
internal sealed record SocketWebSocketOptions(int MaxUnflushedBytes, TimeSpan SlowConsumerTimeout);
