using Penguin.Core.Presence;
using Penguin.Core.Social;
using Penguin.Storage.Postgres;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Presence;

/// <summary>
/// Cluster presence upkeep: refreshes this node's rows every third of the TTL, and takes over the rows that
/// expired (a node crashed), telling those users' friends they went offline. Any node may sweep; each expired
/// row is taken by exactly one.
/// </summary>
public sealed partial class PresenceKeeper(
    PostgresPresenceRegistry registry, PresenceService presence, ISocialStore social, TimeProvider time, ILogger<PresenceKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Rows left by an earlier run under the same node id describe connections that no longer exist.
        await RunAsync(async () => await TellFriendsAsync(await registry.ClearOwnAsync(stoppingToken), stoppingToken));
        using var timer = new PeriodicTimer(registry.Ttl / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunAsync(async () => await registry.RefreshAsync(stoppingToken));
                await RunAsync(async () => await TellFriendsAsync(await registry.TakeExpiredAsync(cancellationToken: stoppingToken), stoppingToken));
            }
        }
        // Also when the host never finished starting (a port in use): it then cancels by disposing, not by stopping.
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TellFriendsAsync(IReadOnlyList<long> users, CancellationToken cancellationToken)
    {
        foreach (var user in users) await presence.TellAsync(user, await social.GetFriendIdsAsync(user, cancellationToken), cancellationToken);
    }

    private Task RunAsync(Func<Task> work) => Upkeep.RunAsync(work, LogUnavailable, LogFailed);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Presence upkeep failed")]
    private partial void LogFailed(Exception e);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Presence upkeep skipped: {Reason}")]
    private partial void LogUnavailable(string reason);
}
