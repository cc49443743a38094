using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>
/// A live WebSocket session: requests with replies matched by id, and the stream of pushed events
/// (presence, friend requests, buddy-list changes...). Tracks the highest durable seq seen so the
/// device can resume after a reconnect.
/// </summary>
public sealed partial class PenguinConnection : IAsyncDisposable
{
    private static readonly PenguinJson Json = PenguinJson.Wire;
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Reply>> _pending = new();
    private readonly List<ServerFrame> _events = [];
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private long _lastSeq;
    private int _disposed;
    private int _ackScheduled;
    private Task _receiveLoop = Task.CompletedTask;

    private PenguinConnection(ClientWebSocket socket) => _socket = socket;

    public Authenticated Session { get; private set; } = null!;

    /// <summary>The highest durable event seq received: pass it as "since" when reconnecting.</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion => _receiveLoop;

    public static async Task<PenguinConnection> ConnectAsync(
        Uri uri, string token, long? since = null, PresenceStatus? status = null, HttpMessageInvoker? invoker = null, CancellationToken ct = default)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(uri, invoker, ct);
        var connection = new PenguinConnection(socket);
        if (since is { } s) connection._lastSeq = s;
        connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
        try
        {
            connection.Session = await connection.RequestAsync<Authenticated>(new Authenticate(token, since, status), ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        if (since is null) Interlocked.Exchange(ref connection._lastSeq, Math.Max(connection.LastSeq, connection.Session.Seq));
        return connection;
    }

    /// <summary>
    /// Acknowledge received messages automatically (on by default): shortly after messages arrive the
    /// connection sends one "ack" with its cursor, which is what turns the senders' messages "delivered".
    /// </summary>
    public bool AutoAcknowledge { get; set; } = true;

    /// <summary>Sends a message and returns the stored message as the server acknowledged it.</summary>
    public async Task<MessageAccepted> SendTextAsync(long to, string text, string? clientId = null, CancellationToken ct = default) =>
        await RequestAsync<MessageAccepted>(new SendMessage(to, clientId ?? Guid.NewGuid().ToString("N"), text), ct);

    /// <summary>Sends an uploaded file (docs/protocol.md, "Files") as a message, with an optional caption; a voice clip with its length.</summary>
    public Task<MessageAccepted> SendFileAsync(long to, string fileId, string? caption = null, int? durationMs = null, string? clientId = null, CancellationToken ct = default) =>
        RequestAsync<MessageAccepted>(new SendMessage(to, clientId ?? Guid.NewGuid().ToString("N"), caption) { FileId = fileId, DurationMs = durationMs }, ct);

    public Task MarkReadAsync(long peer, long seq, CancellationToken ct = default) => RequestAsync<Ok>(new MarkRead(peer, seq), ct);

    public Task RecallAsync(long messageId, CancellationToken ct = default) => RequestAsync<Ok>(new RecallMessage(messageId), ct);

    public Task DeleteMessageAsync(long messageId, CancellationToken ct = default) => RequestAsync<Ok>(new DeleteMessage(messageId), ct);

    public Task SetTypingAsync(long to, bool active, CancellationToken ct = default) => SendAsync(new SetTyping(to, active), ct);

    public Task AcknowledgeAsync(CancellationToken ct = default) => SendAsync(new Acknowledge(LastSeq), ct);

    public Task PingAsync(CancellationToken ct = default) => RequestAsync<Pong>(new Ping(), ct);

    public Task SetPresenceAsync(PresenceStatus status, CancellationToken ct = default) => RequestAsync<Ok>(new SetPresence(status), ct);

    /// <summary>Asks for every durable event after <paramref name="since"/>; they arrive as events before this completes.</summary>
    public Task<Synced> SyncAsync(long since, CancellationToken ct = default) => RequestAsync<Synced>(new Sync(since), ct);

    /// <summary>Sends a request and waits for its reply; an error reply throws <see cref="PenguinException"/>.</summary>
    public async Task<T> RequestAsync<T>(ClientFrame frame, CancellationToken ct = default) where T : Reply
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            await SendAsync(frame with { Id = id }, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var result = await reply.Task.WaitAsync(timeout.Token);
            return result switch
            {
                T ok => ok,
                ErrorReply e => throw new PenguinException(new Error(e.Code, e.Message, e.MessageZh)),
                _ => throw new InvalidOperationException($"Unexpected reply {result.GetType().Name}"),
            };
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Sends a frame without waiting for a reply.</summary>
    public async Task SendAsync(ClientFrame frame, CancellationToken ct = default) =>
        await SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(frame, Json.ClientFrame), ct);

    /// <summary>Sends raw bytes as one text frame (for tests of malformed input).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Takes the first unconsumed event of type <typeparamref name="T"/> matching <paramref name="match"/>, waiting for it if needed.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null, TimeSpan? timeout = null, CancellationToken ct = default) where T : ServerFrame
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task arrived;
            lock (_events)
            {
                var index = _events.FindIndex(e => e is T t && (match is null || match(t)));
                if (index >= 0)
                {
                    var found = (T)_events[index];
                    _events.RemoveAt(index);
                    return found;
                }
                if (_receiveLoop.IsCompleted) throw new WebSocketException($"Connection closed ({CloseStatus}) before a {typeof(T).Name} arrived.");
                arrived = _eventArrived.Task;
            }
            try
            {
                await Task.WhenAny(arrived, _receiveLoop).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"No {typeof(T).Name} arrived in time.");
            }
        }
    }

    /// <summary>Takes every event received so far, in order.</summary>
    public IReadOnlyList<ServerFrame> TakeEvents()
    {
        lock (_events)
        {
            var all = _events.ToArray();
            _events.Clear();
            return all;
        }
    }

    /// <summary>Events in arrival order until the connection ends.</summary>
    public async IAsyncEnumerable<ServerFrame> ReadEventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        while (true)
        {
            ServerFrame? next;
            try
            {
                next = await WaitForAsync<ServerFrame>(timeout: Timeout.InfiniteTimeSpan, ct: ct);
            }
            catch (WebSocketException)
            {
                yield break;
            }
            yield return next;
        }
    }

    /// <summary>Says goodbye properly: the server takes the device offline at once.</summary>
    public async Task CloseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        await DisposeAsync();
    }

    /// <summary>Drops the connection without a goodbye, as a phone losing its network would.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _socket.Abort();
        try { await _receiveLoop; } catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(4096), _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        // Complete the closing handshake the server started.
                        if (_socket.State == WebSocketState.CloseReceived)
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", _stop.Token);
                        return;
                    }
                    buffer.Advance(result.Count);
                } while (!result.EndOfMessage);
                Dispatch(JsonSerializer.Deserialize(buffer.WrittenSpan, Json.ServerFrame)!);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or JsonException)
        {
            // A frame this client cannot read ends the connection like a network error; reconnect and sync.
        }
        finally
        {
            foreach (var pending in _pending.Values) pending.TrySetCanceled();
            lock (_events) _eventArrived.TrySetResult();
        }
    }

    /// <summary>One ack for a burst of messages, a moment after the first of them.</summary>
    private void ScheduleAcknowledge()
    {
        if (Interlocked.Exchange(ref _ackScheduled, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(20, _stop.Token);
                Interlocked.Exchange(ref _ackScheduled, 0);
                await AcknowledgeAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
                // Closing: the next connection acknowledges instead.
            }
        });
    }

    private void Dispatch(ServerFrame frame)
    {
        if (frame is Reply { Re: > 0 } reply && _pending.TryGetValue(reply.Re, out var waiter))
        {
            waiter.TrySetResult(reply);
            return;
        }
        if (frame is DurableEvent durable)
        {
            // Track the cursor even when the same seq arrives twice (live and by sync).
            long current;
            do current = Interlocked.Read(ref _lastSeq);
            while (durable.Seq > current && Interlocked.CompareExchange(ref _lastSeq, durable.Seq, current) != current);
        }
        if (frame is MessageReceived received && received.Message.From != Session?.Me.Number && AutoAcknowledge)
            ScheduleAcknowledge();
        lock (_events)
        {
            _events.Add(frame);
            _eventArrived.TrySetResult();
            _eventArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
