using System.Net.WebSockets;
using Penguin.Cli.Runtime;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// <c>friends --watch</c>: the live buddy list. Presence events patch the list in place; friend and group
/// events refetch it. A dropped connection is reopened with back-off; a revoked session ends the watch.
/// It holds a device session of its own (<see cref="SessionLease"/>), so a chat runs beside it.
/// </summary>
public static class WatchCommand
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static async Task<int> RunAsync(Invocation inv)
    {
        // --status is the same as 'penguin status X' first: remembered, so a chat beside the watch shows it too.
        if (inv.Option("status") is { } s) PresenceCommands.Remember(inv, inv.Choice(s, "--status", Invocation.Statuses));
        var ct = inv.Cancel;
        using var lease = inv.TakeSession();
        var client = lease.Client;
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // CloseAsync also disposes (and PenguinConnection's dispose is not idempotent): no 'await using'.
                var status = new StatusFollower(inv.Store, inv.RememberedStatus);
                var connection = await client.ConnectAsync(status: status.Applied, ct: ct);
                try
                {
                    delay = TimeSpan.FromSeconds(1);
                    await WatchAsync(inv, client, connection, status, ct);
                }
                finally
                {
                    await connection.CloseAsync();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or TimeoutException)
            {
                // Network trouble: try again below.
            }
            if (ct.IsCancellationRequested) break;
            if (!inv.Out.IsJson)
                inv.Host.Error.WriteLine(inv.Out.T($"Connection lost; reconnecting in {delay.TotalSeconds:0} s…", $"连接已断开，{delay.TotalSeconds:0} 秒后重连…"));
            try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { break; }
            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
        return 0;
    }

    private static async Task WatchAsync(Invocation inv, PenguinClient client, PenguinConnection connection, StatusFollower status, CancellationToken ct)
    {
        using var stopPings = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pings = KeepAlive.RunAsync(connection, inv.Host.PingInterval, status, stopPings.Token);
        try
        {
            var list = await client.GetFriendsAsync(ct);
            Render(inv, list);
            await foreach (var frame in connection.ReadEventsAsync(ct))
            {
                switch (frame)
                {
                    case PresenceSnapshot snapshot:
                        list = snapshot.Friends.Aggregate(list, Apply);
                        break;
                    case PresenceChanged changed:
                        list = Apply(list, changed.Presence);
                        break;
                    case FriendAdded or FriendRemoved or FriendUpdated or BuddyGroupsChanged or ProfileUpdated:
                        list = await client.GetFriendsAsync(ct);
                        break;
                    case SessionEnded ended:
                        throw new PenguinException(new Error(ended.Code, ended.Message, ended.MessageZh));
                    default:
                        continue;
                }
                Render(inv, list);
            }
        }
        finally
        {
            await stopPings.CancelAsync();
            await pings;
        }
    }

    private static BuddyList Apply(BuddyList list, UserPresence presence) =>
        list with { Friends = [.. list.Friends.Select(f => f.Profile.Number == presence.Number ? f with { Presence = presence } : f)] };

    private static void Render(Invocation inv, BuddyList list)
    {
        var o = inv.Out;
        if (o.IsJson) { o.Json(list, Json.BuddyList); return; }
        if (inv.Host.OutputIsTerminal) o.Out.Write("\e[H\e[2J");
        else o.Line($"--- {TimeProvider.System.GetLocalNow():HH:mm:ss} ---");
        BuddyListView.Write(o, list);
        if (inv.Host.OutputIsTerminal) o.Line("Watching; Ctrl+C to stop.", "实时更新中，按 Ctrl+C 结束。");
        o.Out.Flush();
    }
}

/// <summary>
/// Pings a live connection so the server's heartbeat timeout does not take the device offline, and applies the
/// login's remembered status when another command changes it (checked every second).
/// </summary>
public static class KeepAlive
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(PenguinConnection connection, TimeSpan every, StatusFollower? status, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every < Tick ? every : Tick);
        var sincePing = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (status?.Changed() is { } wanted)
                {
                    await connection.SetPresenceAsync(wanted, ct);
                    status.Apply(wanted);
                }
                if (sincePing.Elapsed < every) continue;
                sincePing.Restart();
                await connection.PingAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or TimeoutException or PenguinException or ObjectDisposedException)
        {
            // The connection ended or the watch stopped: the receive side notices and decides what to do.
        }
    }
}
