using System.Diagnostics;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// Red-packet claims (抢红包) in one group of --members N (default 2,000): the owner sends a lucky red packet with one
/// share per member, every member claims it at once (--concurrency in flight), and again, round after round, for
/// --duration. Claims/s, claim latency, server CPU per claim, and checks on every round: exactly as many claims win as
/// there are shares, each member at most once, and the shares sum to the packet's amount.
/// </summary>
public sealed class RedPacketsScenario : IScenario
{
    public const long FenPerShare = 100;

    public string Name => "redpackets";
    public string Description => "One group of N members; the owner sends lucky red packets of N shares and all members race to claim each; claims/s, server CPU per claim, exact-share and exact-sum checks.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var users = await SimulatedUsers.PrepareAsync(context, context.Options.Members, withTokens: true, ct);
        if (users.Count < 2)
        {
            context.Fail("a group needs at least two members");
            return;
        }
        var groupId = await GroupScenario.FormGroupAsync(context, users, ct);
        if (groupId is null) return;
        var shares = users.Count;
        var duration = context.Options.Duration ?? DefaultDuration;
        // Enough for every round the time could hold at a generous rate, within the daily limit's default (200,000 CNY).
        var funded = await WalletSetup.FundAsync(context, users.Take(1).ToList(), 15_000_000, ct);
        if (!funded[0])
        {
            context.Fail("the sender could not be funded");
            return;
        }

        var owner = context.NewClient();
        owner.Token = users[0].Token;
        var clients = users.Select(u => { var c = context.NewClient(); c.Token = u.Token; return c; }).ToArray();
        var send = context.Operations.Measured("send", charted: false);
        var claim = context.Operations.Measured("claim");
        var workers = context.Concurrency(64);
        context.Progress.Line($"group {groupId} of {users.Count} members; lucky red packets of {shares} shares, {workers} claims in flight, for {duration.TotalSeconds} s");
        context.Progress.Track(claim);

        var cpuBefore = context.ServerCpuSeconds();
        var started = Stopwatch.GetTimestamp();
        long rounds = 0, fenClaimed = 0;
        while (Stopwatch.GetElapsedTime(started) < duration && !ct.IsCancellationRequested)
        {
            var amount = shares * FenPerShare;
            send.Plan(1);
            var packet = await send.MeasureAsync(() => owner.SendRedPacketAsync(
                new CreateRedPacketRequest(amount, shares, WalletSetup.PayPassword, GroupId: groupId, Lucky: true, Greeting: "压测红包"), Guid.NewGuid().ToString("N"), ct));
            if (packet is null)
            {
                context.Fail($"a red packet could not be sent: {string.Join(", ", send.Errors.Keys)}");
                break;
            }
            var amounts = new long[users.Count];
            var next = -1;
            claim.Plan(users.Count);
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < users.Count)
                {
                    var result = await claim.MeasureAsync(() => clients[i].ClaimRedPacketAsync(packet.Id, CancellationToken.None));
                    if (result is not null) amounts[i] = result.Amount;
                }
            }, CancellationToken.None)));
            rounds++;
            var won = amounts.Count(a => a > 0);
            if (won != shares || amounts.Sum() != amount)
                context.Fail($"round {rounds}: {won} of {shares} shares claimed for {amounts.Sum()} of {amount} fen");
            fenClaimed += amounts.Sum();
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.CpuFigure(claim, cpuBefore);
        foreach (var c in clients) c.Dispose();
        owner.Dispose();

        context.Figure("group_id", groupId.Value);
        context.Figure("members", users.Count);
        context.Figure("rounds", rounds);
        context.Figure("claims", claim.Succeeded);
        context.Figure("claims_per_second", claim.Succeeded / seconds);
        context.Figure("claim_p50_ms", claim.Latency.Summarize().P50);
        context.Figure("claim_p99_ms", claim.Latency.Summarize().P99);
        context.Figure("send_p50_ms", send.Latency.Summarize().P50);
        context.Figure("fen_claimed", fenClaimed);
        if (claim.Succeeded == 0) context.Fail("no claim succeeded: nothing was measured");
    }
}
