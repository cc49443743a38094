using System.Diagnostics;
using System.Net.WebSockets;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// The chat's live connection, kept open for as long as the chat lasts. A dropped connection is reopened with the
/// token, resuming at the last event seq it held (so the server replays what was missed); a revoked session or an
/// invalid token ends the chat. The chat holds a device session of its own (<see cref="Runtime.SessionLease"/>); should
/// something else connect with it anyway, the chat takes it back after a growing delay.
/// </summary>
public sealed class ChatLink(PenguinClient client, TimeSpan pingInterval, StatusFollower status, Func<ServerFrame, PenguinConnection, Task> onEvent, Action<string, string> notice)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private TaskCompletionSource<PenguinConnection> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PenguinConnection? _first;

    /// <summary>Opens the first connection; failures (server down, invalid token) end the chat before it starts.</summary>
    public async Task<PenguinConnection> OpenAsync(CancellationToken ct)
    {
        _first = await client.ConnectAsync(status: status.Applied, ct: ct);
        _ready.TrySetResult(_first);
        return _first;
    }

    /// <summary>Waits for a live connection other than <paramref name="failed"/> (the one a request just failed on).</summary>
    public async Task<PenguinConnection> ReadyAsync(PenguinConnection? failed, CancellationToken ct)
    {
        while (true)
        {
            Task<PenguinConnection> ready;
            lock (_lock) ready = _ready.Task;
            var connection = await ready.WaitAsync(ct);
            if (connection != failed) return connection;
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Reads events until cancelled, reconnecting as needed; throws when the session has ended for good.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var connection = _first ?? throw new InvalidOperationException("Open the link first.");
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            var lived = Stopwatch.StartNew();
            try
            {
                await ServeAsync(connection, ct);
            }
            finally
            {
                lock (_lock)
                {
                    if (_ready.Task.IsCompleted) _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                await connection.CloseAsync(); // also disposes
            }
            // A connection that lasted a while was a good one: start backing off from scratch.
            if (lived.Elapsed > MaxDelay) delay = TimeSpan.FromSeconds(1);
            var since = connection.LastSeq;
            while (true)
            {
                notice($"Connection lost; reconnecting in {delay.TotalSeconds:0} s…", $"连接已断开，{delay.TotalSeconds:0} 秒后重连…");
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                try
                {
                    connection = await client.ConnectAsync(since: since, status: status.Applied, ct: ct);
                    break;
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or TimeoutException
                    || (e is OperationCanceledException && !ct.IsCancellationRequested))
                {
                    // Still unreachable: wait longer.
                }
            }
            notice("Reconnected.", "已重新连接。");
            lock (_lock) _ready.TrySetResult(connection);
        }
    }

    private async Task ServeAsync(PenguinConnection connection, CancellationToken ct)
    {
        using var stopPings = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pings = KeepAlive.RunAsync(connection, pingInterval, status, stopPings.Token);
        try
        {
            await foreach (var frame in connection.ReadEventsAsync(ct))
            {
                if (frame is SessionEnded ended)
                {
                    if (ended.Code == Errors.SessionReplaced.Code)
                    {
                        notice("This device session connected again elsewhere.", "此设备会话已在别处重新连接。");
                        return;
                    }
                    throw new PenguinException(new Error(ended.Code, ended.Message, ended.MessageZh));
                }
                await onEvent(frame, connection);
            }
        }
        finally
        {
            await stopPings.CancelAsync();
            await pings;
        }
    }
}
