using Penguin.Core.Accounts;
using Penguin.Core.Groups;
using Penguin.Core.Social;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Accounts;

/// <summary>
/// At start and every <see cref="AccountOptions.DeletionSweepInterval"/>: finishes deletions that a stopped node left
/// half done (the account marked deleted, some of its friendships, groups or requests not yet ended), so a friend never
/// keeps a deleted account on the buddy list and no group keeps a deleted owner.
/// </summary>
public sealed partial class DeletionSweeper(IAccountStore accounts, SocialService social, GroupService groups, AccountOptions options, TimeProvider time,
    ILogger<DeletionSweeper> logger) : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.DeletionSweepInterval, time);
        try
        {
            do await Upkeep.RunAsync(() => SweepAsync(stoppingToken), SweepSkipped, SweepFailed);
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        // Paged by number, so each account is tried once a sweep: one whose ending keeps failing waits for the next.
        var finished = 0;
        long after = 0;
        IReadOnlyList<long> page;
        do
        {
            page = await accounts.ListUnfinishedDeletionsAsync(after, Batch, cancellationToken);
            foreach (var userId in page) await AccountClosure.FinishAsync(userId, social, groups, cancellationToken);
            finished += page.Count;
            if (page.Count > 0) after = page[^1];
        }
        while (page.Count == Batch);
        if (finished > 0) Finished(finished);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Finished {Count} account deletions that a stopped node had left half done")]
    private partial void Finished(int count);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Deletion sweep skipped, trying again at the next interval: {Reason}")]
    private partial void SweepSkipped(string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Deletion sweep failed; trying again at the next interval")]
    private partial void SweepFailed(Exception e);
}
