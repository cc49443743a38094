using Penguin.Storage.Postgres;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Rooms;

/// <summary>
/// Cluster room occupancy upkeep, as for presence: forgets what an earlier run of this node left, refreshes this
/// node's rows every third of the TTL, and deletes the rows of nodes that died (they stopped refreshing).
/// </summary>
public sealed partial class RoomOccupancyKeeper(PostgresRoomOccupancy occupancy, TimeProvider time, ILogger<RoomOccupancyKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RunAsync(async () => await occupancy.ClearOwnAsync(stoppingToken));
        using var timer = new PeriodicTimer(occupancy.Ttl / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunAsync(async () => await occupancy.RefreshAsync(stoppingToken));
                await RunAsync(async () => await occupancy.SweepExpiredAsync(stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task RunAsync(Func<Task> work) => Upkeep.RunAsync(work, LogUnavailable, LogFailed);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Error, Message = "Room occupancy upkeep failed")]
    private partial void LogFailed(Exception e);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "Room occupancy upkeep skipped: {Reason}")]
    private partial void LogUnavailable(string reason);
}
