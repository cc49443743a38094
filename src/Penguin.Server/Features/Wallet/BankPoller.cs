using Penguin.Server.Hosting;
using Penguin.Core.Wallet.Bank;

namespace Penguin.Server.Features.Wallet;

/// <summary>
/// Every <see cref="BankOptions.PollInterval"/>: pending top-ups and withdrawals older than <see cref="BankOptions.PollAfter"/>
/// are looked up at the bank and settled, so a callback that never comes (or a crash before the answer) delays a
/// payment, never loses it. Idle without a bank.
/// </summary>
public sealed partial class BankPoller(WalletBankService bank, BankOptions options, TimeProvider time, ILogger<BankPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.IsConfigured) return;
        using var timer = new PeriodicTimer(options.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await Upkeep.RunAsync(async () =>
                {
                    var (settled, pending) = await bank.ResolvePendingAsync(cancellationToken: stoppingToken);
                    if (settled > 0 || pending > 0) Resolved(settled, pending);
                }, PollSkipped, PollFailed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "Bank payments looked up: {Settled} settled, {Pending} still pending")]
    private partial void Resolved(int settled, int pending);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "Looking up pending bank payments skipped, trying again at the next interval: {Reason}")]
    private partial void PollSkipped(string reason);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Error, Message = "Looking up pending bank payments failed; trying again at the next interval")]
    private partial void PollFailed(Exception e);
}
