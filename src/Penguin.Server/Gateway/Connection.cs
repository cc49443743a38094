using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Common;
using Penguin.Core.Sync;
using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>
/// One WebSocket: a bounded outbound queue drained by one pump at a time. Durable events are sent in seq
/// order exactly once per connection: an event at or below the last sent seq is dropped, and a gap
/// is filled from the user's event log before the event is sent. A consumer that lets the queue fill
/// up is closed (it catches up later through sync) so it cannot stall others or grow memory.
/// </summary>
#pragma warning disable CA1001 // _closed has no timer or links, so it holds nothing to release; fire-and-forget closes may still cancel it late.
public sealed class Connection
#pragma warning restore CA1001
{
    private readonly WebSocket _socket;
    private readonly IEventLog _log;
    private readonly int _queueLimit;
    private readonly CancellationTokenSource _closed = new();
    private long _lastSeq;
    private int _closing;
    private Dictionary<Type, object>? _features; // allocated only once a feature keeps state here

    // The outbound queue and its pump, guarded by the queue's lock. No task exists while the queue is empty:
    // an idle connection holds no parked send loop, only an empty queue.
    private readonly Queue<Outbound> _queue = new();
    private bool _pumping;
    private bool _completed;
    private TaskCompletionSource? _drained;

    private readonly ILogger? _logger;

    public Connection(WebSocket socket, IEventLog log, int queueLimit, TimeProvider time, ILogger? logger = null)
    {
        _logger = logger;
        _socket = socket;
        _log = log;
        _queueLimit = queueLimit;
        Time = time;
        LastReceived = time.GetTimestamp();
        Opened = LastReceived;
    }

    public TimeProvider Time { get; }

    public SessionContext? Session { get; set; }

    public long Opened { get; }

    /// <summary>Timestamp of the last frame received; the heartbeat monitor closes silent connections.</summary>
    public long LastReceived { get; set; }

    public CancellationToken Closed => _closed.Token;

    public WebSocket Socket => _socket;

    /// <summary>
    /// A feature's state for this connection (one object per type), created on first use. Only the receive loop
    /// and the end of the connection touch it, one after the other, so it takes no lock.
    /// </summary>
    public T FeatureState<T>() where T : class, new()
    {
        _features ??= [];
        if (!_features.TryGetValue(typeof(T), out var state)) _features[typeof(T)] = state = new T();
        return (T)state;
    }

    /// <summary>A feature's state for this connection, or null when the feature never kept any.</summary>
    public T? FindFeatureState<T>() where T : class =>
        _features is not null && _features.TryGetValue(typeof(T), out var state) ? (T)state : null;

    /// <summary>Starts durable delivery after <paramref name="seq"/> (the device's cursor); call before the pump sees any event.</summary>
    public void StartAt(long seq) => _lastSeq = seq;

    public void Send(ServerFrame frame) =>
        Enqueue(new Outbound(JsonSerializer.SerializeToUtf8Bytes(frame, PenguinJson.Wire.ServerFrame)));

    public void Deliver(Delivery delivery)
    {
        if (delivery.OnlySession != 0 && delivery.OnlySession != Session?.SessionId) return;
        Enqueue(new Outbound(delivery.Frame, delivery.Seq, EndSession: delivery.EndSession ? CloseCodes.SessionRevoked : null));
    }

    /// <summary>
    /// Sends every stored event after <paramref name="from"/> (or after the current cursor), then, when
    /// <paramref name="re"/> is set, a Synced reply. Runs on the pump, which owns the cursor.
    /// </summary>
    public void CatchUp(long re, long? from) => Enqueue(new Outbound(null, Seq: from ?? -1, CatchUpReply: re));

    /// <summary>Sends a last frame after everything already queued, then closes with <paramref name="status"/>.</summary>
    public void EndWith(ServerFrame frame, WebSocketCloseStatus status) =>
        Enqueue(new Outbound(JsonSerializer.SerializeToUtf8Bytes(frame, PenguinJson.Wire.ServerFrame), EndSession: status));

    /// <summary>No more frames will be queued; the pump stops once the queue is drained (see <see cref="WhenDrained"/>).</summary>
    public void FinishSending()
    {
        lock (_queue) _completed = true;
    }

    /// <summary>Completes when the pump has stopped for good after <see cref="FinishSending"/> or <see cref="Abort"/>.</summary>
    public Task WhenDrained()
    {
        lock (_queue)
            return _pumping ? (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : Task.CompletedTask;
    }

    public void Abort()
    {
        FinishSending();
        _closed.Cancel();
    }

    private void Enqueue(Outbound item)
    {
        bool overflow = false, startPump = false;
        lock (_queue)
        {
            if (_completed) return;
            // Queue full: the client is not reading. Drop it rather than buffer without bound.
            overflow = _queue.Count >= _queueLimit;
            if (overflow) _completed = true;
            else
            {
                _queue.Enqueue(item);
                startPump = !_pumping;
                _pumping = true;
            }
        }
        if (startPump) ThreadPool.UnsafeQueueUserWorkItem(static connection => _ = connection.PumpAsync(), this, preferLocal: false);
        if (overflow) _ = CloseAsync(CloseCodes.SlowConsumer, Errors.SlowConsumer.Code);
    }

    /// <summary>
    /// Sends what is queued, in order, then stops; the next <see cref="Enqueue"/> starts it again. Durable
    /// events pass the cursor check here, on the one pump that owns the cursor.
    /// </summary>
    private async Task PumpAsync()
    {
        var idle = false;
        Outbound item = default;
        try
        {
            while (true)
            {
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out item))
                    {
                        StopPumping();
                        idle = true;
                        return;
                    }
                    // Frames of a burst go out in one flush: a frame is held when the next item surely writes one.
                    FlushHold.Set(_queue.TryPeek(out var next) && WillWriteAfter(item, next));
                }
                if (!await SendAsync(item)) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            // The socket went away or the client stopped reading (slow consumer): stop the receive loop too, which cleans up.
            if (FindSlowConsumer(e) is not null) _logger?.LogInformation(EventIds.SlowConsumer, "A connection that did not read was dropped (slow consumer)");
            Cut();
        }
        catch (StorageUnavailableException)
        {
            // The log cannot be read to fill a gap or a sync: the cursor cannot move on without losing events. The client
            // is told (the waiting sync gets the error) and reconnects later with its cursor: 1013, try again later.
            await EndAfterFailureAsync(Errors.Unavailable, item.CatchUpReply ?? 0, CloseCodes.TryAgainLater);
        }
        catch (Exception e)
        {
            // A bug: logged once; the connection ends with "internal" and 1011 rather than stay half-alive.
            _logger?.LogError(EventIds.PumpFailed, e, "The send loop of a connection failed");
            await EndAfterFailureAsync(Errors.Internal, item.CatchUpReply ?? 0, WebSocketCloseStatus.InternalServerError);
        }
        finally
        {
            // Whatever ended the pump (other than an empty queue), the connection's cleanup is not skipped.
            FlushHold.Set(false);
            if (!idle)
            {
                lock (_queue)
                {
                    _completed = true;
                    StopPumping();
                }
            }
        }
    }

    /// <summary>
    /// After a failure that is not the socket's: the error (to the waiting request, if any) and a close frame, through
    /// the closing handshake, so the receive loop ends and cleans up. Never throws.
    /// </summary>
    private async Task EndAfterFailureAsync(Error error, long re, WebSocketCloseStatus status)
    {
        FlushHold.Set(false);
        try
        {
            await SendRawAsync(JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(ErrorReply.From(error, re), PenguinJson.Wire.ServerFrame));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            Cut();
            return;
        }
        await CloseAsync(status, error.Code);
    }

    private static SlowConsumerException? FindSlowConsumer(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SlowConsumerException slow) return slow;
        return null;
    }

    /// <summary>
    /// Whether <paramref name="next"/> writes a frame once <paramref name="current"/> is sent (a durable event at or
    /// below the cursor is skipped; a catch-up moves the cursor by an amount not known yet).
    /// </summary>
    private bool WillWriteAfter(Outbound current, Outbound next) =>
        current.CatchUpReply is null && next.CatchUpReply is null && (next.Seq == 0 || next.Seq > Math.Max(_lastSeq, current.Seq));

    private void StopPumping()
    {
        _pumping = false;
        _queue.TrimExcess(); // an idle connection keeps no array from its last burst
        if (_completed) _drained?.TrySetResult();
    }

    /// <summary>Sends one queued item; false when it ended the session.</summary>
    private async Task<bool> SendAsync(Outbound item)
    {
        if (item.CatchUpReply is { } re)
        {
            // A cursor beyond the log's head cannot be trusted: start from the head instead.
            if (item.Seq >= 0) _lastSeq = Math.Min(item.Seq, await _log.HeadAsync(Session!.UserId, _closed.Token));
            await SendStoredAsync(long.MaxValue);
            if (re > 0) await SendRawAsync(JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new Synced(_lastSeq) { Re = re }, PenguinJson.Wire.ServerFrame));
            return true;
        }
        if (item.Seq > 0)
        {
            if (item.Seq <= _lastSeq) return true;
            if (item.Seq > _lastSeq + 1) await SendStoredAsync(item.Seq - 1);
            if (item.Seq <= _lastSeq) return true;
            _lastSeq = item.Seq;
        }
        await SendRawAsync(item.Frame!);
        if (item.EndSession is not { } status) return true;
        await CloseAsync(status, "session ended");
        return false;
    }

    /// <summary>
    /// Sends stored events after the cursor up to <paramref name="upTo"/>, page by page. A page is held in memory
    /// while it is written (and the writes wait for the client), so its size follows the events' size: about
    /// <see cref="PageBytes"/> per page, between 8 and <see cref="Limits.SyncPageSize"/> events.
    /// </summary>
    private async Task SendStoredAsync(long upTo)
    {
        var userId = Session!.UserId;
        var holdLast = FlushHold.IsHeld;
        var pageSize = FirstPageSize;
        while (_lastSeq < upTo)
        {
            var page = await _log.ReadAsync(userId, _lastSeq, pageSize, _closed.Token);
            long bytes = 0;
            for (var i = 0; i < page.Count && page[i].Seq <= upTo; i++)
            {
                // A page goes out in one flush (the last frame also stays held if the pump has more to send).
                FlushHold.Set(i < page.Count - 1 && page[i + 1].Seq <= upTo || holdLast);
                var json = page[i].Json;
                bytes += json.Length;
                await SendRawAsync(json);
                _lastSeq = page[i].Seq;
            }
            if (page.Count < pageSize || page[^1].Seq > upTo) break;
            pageSize = (int)Math.Clamp(PageBytes / Math.Max(1, bytes / page.Count), 8, Limits.SyncPageSize);
        }
        FlushHold.Set(holdLast);
    }

    /// <summary>Bytes of stored events one resume page aims at (what a blocked client can pin besides the unflushed bytes).</summary>
    private const long PageBytes = 256 * 1024;

    /// <summary>The first page, before the events' size is known: 64 events of up to ~15 KB each at worst.</summary>
    private const int FirstPageSize = 64;

    private ValueTask SendRawAsync(byte[] frame) =>
        _socket.SendAsync(new ReadOnlyMemory<byte>(frame), WebSocketMessageType.Text, endOfMessage: true, _closed.Token);

    /// <summary>
    /// Starts the closing handshake. The receive loop ends when the peer answers; a peer that does not answer
    /// within two seconds is cut off. Cancelling at once would abort the socket and could drop the close frame.
    /// </summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        FlushHold.Set(false);
        try
        {
            _closed.Token.UnsafeRegister(static socket => ((WebSocket)socket!).Abort(), _socket);
            _closed.CancelAfter(TimeSpan.FromSeconds(2));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(status, description, _closed.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Cut();
        }
    }

    /// <summary>
    /// Ends the receive loop now: cancels what the connection is doing and aborts the socket (an idle receive on the
    /// gateway's own transport waits without the cancellation token, so cancelling alone would not wake it).
    /// </summary>
    private void Cut()
    {
        _closed.Cancel();
        _socket.Abort();
    }

    /// <summary>
    /// Reads the whole message whose data has arrived (after the caller's zero-byte wait) into a pooled buffer;
    /// an empty result when the peer closed. Renting only now keeps idle connections free of buffers.
    /// </summary>
    public async ValueTask<ReceivedMessage> ReadMessageAsync(WebSocketMessageType type, int maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= maxBytes + 1) return new ReceivedMessage(buffer, length, type, TooLarge: true);
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length), _closed.Token);
                if (result.MessageType == WebSocketMessageType.Close) { ArrayPool<byte>.Shared.Return(buffer); return default; }
                length += result.Count;
                if (length > maxBytes) return new ReceivedMessage(buffer, length, result.MessageType, TooLarge: true, Ended: result.EndOfMessage);
                if (result.EndOfMessage) return new ReceivedMessage(buffer, length, result.MessageType, TooLarge: false);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Reads and discards the rest of an oversized message (up to <paramref name="maxBytes"/>), so the error and the
    /// 1009 close reach the client: a socket closed with unread data would reset, and the client's kernel would drop them.
    /// </summary>
    public async Task DiscardRestAsync(long maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            for (long read = 0; read < maxBytes;)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), _closed.Token);
                read += result.Count;
                if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private readonly record struct Outbound(byte[]? Frame, long Seq = 0, long? CatchUpReply = null, WebSocketCloseStatus? EndSession = null);
}
