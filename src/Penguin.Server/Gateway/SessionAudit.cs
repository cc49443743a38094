using System.Threading.Channels;
using Penguin.Core.Common;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Server.Gateway;

/// <summary>
/// Ends the connections whose session no longer exists. A logout, an eviction or a password change on a node ends
/// its sessions at once through the bus; this check catches what the bus cannot carry: an administrator's
/// <c>penguin-server admin disable</c> or <c>revoke-session</c> (another process), or a delivery lost while the
/// broker was down. Every <see cref="ServerOptions.SessionCheckInterval"/>, and at once when the admin command
/// raises the <see cref="SessionCheckSignal"/>, the sessions of all connections are looked up, a few hundred per
/// query; an ended one gets <c>session.ended</c> (<c>session_revoked</c>) and 4001.
/// </summary>
public sealed partial class SessionAudit(
    ConnectionRegistry registry,
    IConnectionAuthenticator authenticator,
    ServerOptions options,
    SessionCheckSignal signal,
    TimeProvider time,
    ILogger<SessionAudit> logger) : BackgroundService
{
    private const int SessionsPerQuery = 500;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round on every interval tick and on every signal; signals during a round fold into one more round.
        var ticking = TickAsync(stoppingToken);
        var listening = signal.ListenAsync(() => _wake.Writer.TryWrite(true), time, stoppingToken);
        try
        {
            await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await CheckAsync(stoppingToken);
                    _failing = false;
                }
                catch (StorageUnavailableException)
                {
                    // An outage: the next round tries again (readiness reports it).
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bug: logged once per streak of failures, not every round.
                    if (!_failing) LogCheckFailed(e);
                    _failing = true;
                }
            }
        }
        // Also when the host never finished starting: it then cancels by disposing, not by stopping.
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(ticking, listening);
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SessionCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) _wake.Writer.TryWrite(true);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: every authenticated connection whose session is gone is ended.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var e = Errors.SessionRevoked;
        foreach (var chunk in registry.All.Where(c => c.Session is not null).Chunk(SessionsPerQuery))
        {
            var valid = (await authenticator.ValidSessionsAsync([.. chunk.Select(c => c.Session!.SessionId).Distinct()], cancellationToken)).ToHashSet();
            foreach (var connection in chunk)
                if (!valid.Contains(connection.Session!.SessionId))
                    connection.EndWith(new SessionEnded(e.Code, e.Message, e.MessageZh), CloseCodes.SessionRevoked);
        }
    }

    [LoggerMessage(EventId = 115, Level = LogLevel.Error, Message = "Checking the sessions of the connections failed")]
    private partial void LogCheckFailed(Exception e);
}
