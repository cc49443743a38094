using System.Collections.Concurrent;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// Durable transfers (转账) among --users N funded accounts, each the friend of its two neighbours on a ring:
/// --concurrency workers each send a transfer to a random neighbour (1–100 fen, a fresh idempotency key, the payment
/// password checked) for --duration; then the receivers accept as many as the same time allows. Every transfer is one
/// committed ledger transaction. Transfers/s and accepts/s, latency, server CPU per transfer and per accept, and a check
/// that no fen was created or lost: the balances plus what is still held equal what was deposited.
/// </summary>
public sealed class TransfersScenario : IScenario
{
    public const long Deposit = 1_000_000;

    public string Name => "transfers";
    public string Description => "Durable wallet transfers among N funded accounts (friends on a ring), then their acceptance; transfers/s, accepts/s, server CPU per operation, and a check that the balances add up.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var users = await SimulatedUsers.PrepareAsync(context, Math.Max(2, context.Options.Users), withTokens: true, ct);
        if (users.Count < 2)
        {
            context.Fail("transfers need at least two users");
            return;
        }
        var ring = Enumerable.Range(0, users.Count).Select(i => (users[i], users[(i + 1) % users.Count])).Distinct().ToList();
        var friends = await Friendships.BefriendAsync(context, users.Count == 2 ? ring.Take(1).ToList() : ring, ct);
        var funded = await WalletSetup.FundAsync(context, users, Deposit, ct);
        var before = await WalletSetup.BalancesAsync(context, users, ct);
        // A user sends to a neighbour it is friends with; both must be funded (the receiver only needs a wallet).
        var targets = Enumerable.Range(0, users.Count).Select(i =>
        {
            var n = users.Count;
            var right = (i + 1) % n;
            var left = (i - 1 + n) % n;
            var rightOk = friends[users.Count == 2 ? 0 : i];
            var leftOk = friends[users.Count == 2 ? 0 : left];
            return funded[i] ? new[] { rightOk ? right : -1, leftOk && left != right ? left : -1 }.Where(t => t >= 0).ToArray() : [];
        }).ToArray();
        var senders = Enumerable.Range(0, users.Count).Where(i => targets[i].Length > 0).ToArray();
        if (senders.Length == 0)
        {
            context.Fail("no funded user has a friend to send to");
            return;
        }

        var clients = users.Select(u => { var c = context.NewClient(); c.Token = u.Token; return c; }).ToArray();
        var transfer = context.Operations.Measured("transfer");
        var accept = context.Operations.Measured("accept");
        var made = new ConcurrentQueue<(int To, WalletTransfer Transfer)>();
        var duration = context.Options.Duration ?? DefaultDuration;
        var workers = context.Concurrency(32);
        context.Progress.Line($"{users.Count} accounts, {senders.Length} sending; {workers} transfers in flight for {duration.TotalSeconds} s, then the accepts");
        context.Progress.Track(transfer);

        var cpuBefore = context.ServerCpuSeconds();
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            limit.CancelAfter(duration);
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                while (!limit.IsCancellationRequested)
                {
                    var from = senders[random.Next(senders.Length)];
                    var to = targets[from][random.Next(targets[from].Length)];
                    var amount = random.Next(1, 101);
                    transfer.Plan(1);
                    var sent = await transfer.MeasureAsync(() => clients[from].TransferMoneyAsync(
                        new CreateTransferRequest(users[to].Number, amount, WalletSetup.PayPassword, "压测"), Guid.NewGuid().ToString("N"), CancellationToken.None));
                    if (sent is not null) made.Enqueue((to, sent));
                }
            }, CancellationToken.None)));
        }
        context.CpuFigure(transfer, cpuBefore);

        context.Progress.Track(accept);
        var pending = made.ToArray();
        var next = -1;
        cpuBefore = context.ServerCpuSeconds();
        var accepted = new bool[pending.Length];
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            limit.CancelAfter(duration);
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                int i;
                while (!limit.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < pending.Length)
                {
                    accept.Plan(1);
                    accepted[i] = await accept.MeasureAsync(async () =>
                    {
                        await clients[pending[i].To].AcceptTransferAsync(pending[i].Transfer.Id, CancellationToken.None);
                        return true;
                    });
                }
            }, CancellationToken.None)));
        }
        context.CpuFigure(accept, cpuBefore);

        // Conservation: what the accounts hold now plus what is still held for them equals what they held before.
        var after = await WalletSetup.BalancesAsync(context, users, ct);
        var held = pending.Where((_, i) => !accepted[i]).Sum(p => p.Transfer.Amount);
        if (before.Any(b => b is null) || after.Any(b => b is null)) context.Note("some balances could not be read: the conservation check was skipped");
        else if (after.Sum(b => b!.Value) + held != before.Sum(b => b!.Value))
            context.Fail($"money was created or lost: before {before.Sum(b => b!.Value)} fen, after {after.Sum(b => b!.Value)} + {held} held");
        foreach (var c in clients) c.Dispose();

        context.Figure("accounts", users.Count);
        context.Figure("transfers", transfer.Succeeded);
        context.Figure("transfers_per_second", transfer.Throughput);
        context.Figure("transfer_p50_ms", transfer.Latency.Summarize().P50);
        context.Figure("transfer_p99_ms", transfer.Latency.Summarize().P99);
        context.Figure("accepts", accept.Succeeded);
        context.Figure("accepts_per_second", accept.Throughput);
        context.Figure("accept_p99_ms", accept.Latency.Summarize().P99);
        context.Figure("fen_still_held", held);
        if (transfer.Succeeded == 0) context.Fail("no transfer succeeded: nothing was measured");
    }
}
