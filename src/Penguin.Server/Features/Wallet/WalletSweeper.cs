using Penguin.Server.Hosting;
using Penguin.Core.Wallet;

namespace Penguin.Server.Features.Wallet;

/// <summary>Every <see cref="WalletOptions.SweepInterval"/> (on the server's clock, so tests move it): transfers not accepted in time go back to their senders, and what is left of expired red packets too.</summary>
public sealed partial class WalletSweeper(WalletService wallet, RedPacketService redPackets, WalletOptions options, TimeProvider time, ILogger<WalletSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await Upkeep.RunAsync(async () =>
                {
                    var returned = await wallet.ReturnExpiredAsync(stoppingToken);
                    if (returned > 0) Returned(returned);
                    var refunded = await redPackets.RefundExpiredAsync(stoppingToken);
                    if (refunded > 0) Refunded(refunded);
                }, SweepSkipped, SweepFailed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Wallet swept: {Count} expired transfers returned to their senders")]
    private partial void Returned(int count);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Wallet swept: {Count} expired red packets refunded to their senders")]
    private partial void Refunded(int count);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Wallet sweep skipped, trying again at the next interval: {Reason}")]
    private partial void SweepSkipped(string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "Wallet sweep failed; trying again at the next interval")]
    private partial void SweepFailed(Exception e);
}
