using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Server.Gateway;

/// <summary>
/// Closes connections that went silent: a device that vanished without saying goodbye goes offline
/// once nothing has arrived for the heartbeat timeout, and a connection that never authenticates is dropped.
/// One sweep over all connections each second is cheaper than a timer per connection.
/// </summary>
public sealed class HeartbeatMonitor(ConnectionRegistry registry, UnauthenticatedConnections pending, ServerOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var connection in registry.All)
                    if (time.GetElapsedTime(connection.LastReceived) > options.HeartbeatTimeout)
                        Expire(connection);
                foreach (var connection in pending.All)
                    if (connection.Session is null && time.GetElapsedTime(connection.Opened) > options.AuthTimeout)
                        Expire(connection);
            }
        }
        // Also when the host never finished starting (a port in use): it then cancels by disposing, not by stopping.
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static void Expire(Connection connection) =>
        _ = connection.CloseAsync(CloseCodes.HeartbeatTimeout, "heartbeat timeout");
}
