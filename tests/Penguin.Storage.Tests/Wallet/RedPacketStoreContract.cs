using CsCheck;
using Penguin.Core.Wallet;
using static Penguin.Core.Wallet.LedgerAccounts;

namespace Penguin.Storage.Tests.Wallet;

/// <summary>What every <see cref="IWalletStore"/> must do with red packets; run once per engine.</summary>
public abstract class RedPacketStoreContract
{
    private readonly WalletEngine _engine;

    protected RedPacketStoreContract(WalletEngine engine)
    {
        RequiredServices.SkipUnlessConfigured(GetType());
        _engine = engine;
    }

    private IWalletStore Store => _engine.Store;

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 15, 123, TimeSpan.Zero);

    private static long _nextUser = Random.Shared.NextInt64(1_000_000, 1_000_000_000) * 1000;

    private static long NewUser() => Interlocked.Increment(ref _nextUser);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static T Ok<T>(Penguin.Core.Common.Result<T> result)
    {
        Assert.True(result.IsOk, result.Error?.Code);
        return result.Value;
    }

    private static void Fails<T>(string code, Penguin.Core.Common.Result<T> result)
    {
        Assert.False(result.IsOk, $"expected {code}");
        Assert.Equal(code, result.Error.Code);
    }

    private async Task FundAsync(long user, long fen) =>
        Ok(await Store.PostAsync(new LedgerCommand(Key(), $"topup|{user}|{fen}", "deposit", user, null, [new(BankClearing, -fen), new(UserCny(user), fen)], Now)));

    private static RedPacketRecord Packet(long from, long amount, int count, bool lucky = false, long? group = 7) =>
        new(Guid.NewGuid().ToString("N"), from, group is null ? from + 1 : null, group, amount, count, lucky, "恭喜发财", RedPacketStatus.Open, 0, 0, Now, Now.AddHours(24));

    private static LedgerCommand SendCommand(RedPacketRecord p, string? key = null) =>
        new(key ?? Key(), $"red_packet|{p.Amount}|{p.Count}", "red_packet", p.FromId, p.Id, [new(UserCny(p.FromId), -p.Amount), new(RedPacketEscrow, p.Amount)], Now);

    private static LedgerCommand ClaimCommand(RedPacketRecord p, long user, long amount) =>
        new($"rp_claim:{p.Id}:{user}", $"rp_claim|{p.Id}|{user}", "red_packet_claim", user, p.Id, [new(RedPacketEscrow, -amount), new(UserCny(user), amount)], Now);

    private static LedgerCommand RefundCommand(RedPacketRecord p) =>
        new($"rp_refund:{p.Id}", $"rp_refund|{p.Id}", "red_packet_refund", p.FromId, p.Id, [new(RedPacketEscrow, -p.Remaining), new(UserCny(p.FromId), p.Remaining)], Now);

    private Task<Penguin.Core.Common.Result<RedPacketOutcome>> ClaimAsync(RedPacketRecord p, long user, DateTimeOffset? at = null) =>
        Store.ClaimRedPacketAsync(p.Id, user, at ?? Now.AddMinutes(1), (packet, amount) => ClaimCommand(packet, user, amount)).AsTask();

    private async Task AssertCleanAsync() => Assert.True((await Store.AuditAsync()).IsClean, "the journal balances and every balance equals its postings");

    [Fact]
    public async Task Claim_FixedShares_EachOnce_UntilFinished_ThenEmpty()
    {
        var (alice, bob, carol, dave) = (NewUser(), NewUser(), NewUser(), NewUser());
        await FundAsync(alice, 1_000);
        var packet = Packet(alice, 900, 3);
        var sent = Ok(await Store.CreateRedPacketAsync(packet, RedPacketSplit.Fixed(900, 3), SendCommand(packet)));
        Assert.Equal((RedPacketStatus.Open, false), (sent.Packet.Status, sent.Replayed));
        Assert.Equal(100, await Store.BalanceAsync(UserCny(alice)));

        var first = Ok(await ClaimAsync(packet, bob));
        var again = Ok(await ClaimAsync(packet, bob));
        Ok(await ClaimAsync(packet, carol));
        var last = Ok(await ClaimAsync(packet, alice));

        Assert.Equal((300L, false), (first.Claim!.Amount, first.Replayed));
        Assert.Equal((300L, true), (again.Claim!.Amount, again.Replayed));
        Assert.Equal((RedPacketStatus.Finished, 3, 900L), (last.Packet.Status, last.Packet.ClaimedCount, last.Packet.ClaimedAmount));
        Fails("red_packet_empty", await ClaimAsync(packet, dave));
        Assert.Equal(300, await Store.BalanceAsync(UserCny(bob)));
        Assert.Equal(400, await Store.BalanceAsync(UserCny(alice)));
        var claims = await Store.RedPacketClaimsAsync(packet.Id);
        Assert.Equal([bob, carol, alice], claims.Select(c => c.UserId).ToArray());
        Assert.Equal(RedPacketStatus.Finished, (await Store.GetRedPacketAsync(packet.Id))!.Status);
        Fails("red_packet_empty", await Store.RefundRedPacketAsync(packet.Id, RefundCommand));
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Create_RetriedWithTheSameKey_ReplaysThePacket_AndMovesMoneyOnce()
    {
        var alice = NewUser();
        await FundAsync(alice, 1_000);
        var packet = Packet(alice, 500, 5, lucky: true);
        var key = Key();
        Ok(await Store.CreateRedPacketAsync(packet, RedPacketSplit.Lucky(500, 5), SendCommand(packet, key)));

        var retried = Ok(await Store.CreateRedPacketAsync(packet with { Id = Guid.NewGuid().ToString("N") }, RedPacketSplit.Lucky(500, 5), SendCommand(packet, key)));

        Assert.Equal((packet.Id, true), (retried.Packet.Id, retried.Replayed));
        Assert.Equal(500, await Store.BalanceAsync(UserCny(alice)));
        Assert.Empty(retried.Events);
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Create_WithoutTheMoney_InsufficientFunds_RecordsNoPacket()
    {
        var alice = NewUser();
        await FundAsync(alice, 99);
        var packet = Packet(alice, 100, 2);

        Fails("insufficient_funds", await Store.CreateRedPacketAsync(packet, RedPacketSplit.Fixed(100, 2), SendCommand(packet)));

        Assert.Null(await Store.GetRedPacketAsync(packet.Id));
        Assert.Equal(99, await Store.BalanceAsync(UserCny(alice)));
    }

    [Fact]
    public async Task Claim_200RacingFor10Shares_ExactlyTenWin_TheSharesSumToTheAmount()
    {
        var alice = NewUser();
        await FundAsync(alice, 10_000);
        var packet = Packet(alice, 7_777, 10, lucky: true);
        Ok(await Store.CreateRedPacketAsync(packet, RedPacketSplit.Lucky(7_777, 10), SendCommand(packet)));
        var claimers = Enumerable.Range(0, 200).Select(_ => NewUser()).ToArray();

        var outcomes = await Task.WhenAll(claimers.Select(u => Task.Run(() => ClaimAsync(packet, u))));

        var won = outcomes.Where(o => o.IsOk).Select(o => o.Value.Claim!).ToArray();
        Assert.Equal(10, won.Length);
        Assert.Equal(10, won.Select(c => c.UserId).Distinct().Count());
        Assert.All(outcomes.Where(o => !o.IsOk), o => Assert.Equal("red_packet_empty", o.Error!.Code));
        Assert.Equal(7_777, won.Sum(c => c.Amount));
        long total = 0;
        foreach (var u in claimers) total += await Store.BalanceAsync(UserCny(u));
        Assert.Equal(7_777, total);
        Assert.Equal((RedPacketStatus.Finished, 10), ((await Store.GetRedPacketAsync(packet.Id))!.Status, (await Store.RedPacketClaimsAsync(packet.Id)).Count));
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Refund_AfterItExpires_ReturnsTheRest_OnceOnly_AndLaterClaimsAreRefused()
    {
        var (alice, bob, carol) = (NewUser(), NewUser(), NewUser());
        await FundAsync(alice, 1_000);
        var packet = Packet(alice, 1_000, 4);
        Ok(await Store.CreateRedPacketAsync(packet, RedPacketSplit.Fixed(1_000, 4), SendCommand(packet)));
        Ok(await ClaimAsync(packet, bob));

        Fails("red_packet_expired", await ClaimAsync(packet, carol, at: packet.ExpiresAt));
        Assert.DoesNotContain(await Store.ExpiredRedPacketsAsync(packet.ExpiresAt.AddTicks(-10_000), 100), p => p.Id == packet.Id);
        Assert.Contains(await Store.ExpiredRedPacketsAsync(packet.ExpiresAt, 100), p => p.Id == packet.Id);
        var refunded = Ok(await Store.RefundRedPacketAsync(packet.Id, RefundCommand));

        Assert.Equal(RedPacketStatus.Refunded, refunded.Packet.Status);
        Assert.Equal(750, await Store.BalanceAsync(UserCny(alice)));
        Fails("red_packet_expired", await Store.RefundRedPacketAsync(packet.Id, RefundCommand));
        Fails("red_packet_expired", await ClaimAsync(packet, carol));
        Assert.Equal(750, await Store.BalanceAsync(UserCny(alice)));
        Assert.DoesNotContain(await Store.ExpiredRedPacketsAsync(packet.ExpiresAt.AddDays(1), 100), p => p.Id == packet.Id);
        await AssertCleanAsync();
    }

    /// <summary>A random step: send a packet (fixed or lucky), claim one, or refund one.</summary>
    private sealed record Step(int Op, int User, int Packet, long Amount, int Count, bool Lucky);

    [Fact]
    public async Task AnySequenceOfRedPacketOperations_ConservesMoneyAndMatchesTheModel()
    {
        var step = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Long[1, 3_000], Gen.Int[1, 6], Gen.Bool,
            (op, u, p, a, n, l) => new Step(op, u, p, a, n, l));
        await step.Array[1, 25].SampleAsync(async steps =>
        {
            var users = Enumerable.Range(0, 3).Select(_ => NewUser()).ToArray();
            var cny = new long[3];
            foreach (var (u, i) in users.Select((u, i) => (u, i))) { await FundAsync(u, 5_000); cny[i] = 5_000; }
            var packets = new List<RedPacketRecord>();
            long held = 0;
            foreach (var s in steps)
            {
                var user = users[s.User];
                if (s.Op == 0 && s.Amount >= s.Count)
                {
                    var amount = s.Lucky ? s.Amount : s.Amount / s.Count * s.Count;
                    var packet = Packet(user, amount, s.Count, s.Lucky);
                    var sent = await Store.CreateRedPacketAsync(packet, s.Lucky ? RedPacketSplit.Lucky(amount, s.Count) : RedPacketSplit.Fixed(amount, s.Count), SendCommand(packet));
                    if (sent.IsOk) { packets.Add(packet); cny[s.User] -= amount; held += amount; }
                    else Assert.Equal("insufficient_funds", sent.Error!.Code);
                }
                else if (s.Op == 1 && packets.Count > 0)
                {
                    var packet = packets[s.Packet % packets.Count];
                    var claimed = await ClaimAsync(packet, user);
                    if (claimed.IsOk && !claimed.Value.Replayed) { cny[s.User] += claimed.Value.Claim!.Amount; held -= claimed.Value.Claim.Amount; }
                    else if (!claimed.IsOk) Assert.True(claimed.Error!.Code is "red_packet_empty" or "red_packet_expired", claimed.Error.Code);
                }
                else if (s.Op == 2 && packets.Count > 0)
                {
                    var packet = packets[s.Packet % packets.Count];
                    var refunded = await Store.RefundRedPacketAsync(packet.Id, RefundCommand);
                    if (refunded.IsOk)
                    {
                        var rest = refunded.Value.Packet.Amount - refunded.Value.Packet.ClaimedAmount;
                        cny[Array.IndexOf(users, packet.FromId)] += rest;
                        held -= rest;
                    }
                }
            }
            for (var i = 0; i < users.Length; i++) Assert.Equal(cny[i], await Store.BalanceAsync(UserCny(users[i])));
            long open = 0;
            foreach (var p in packets)
            {
                var stored = (await Store.GetRedPacketAsync(p.Id))!;
                Assert.Equal(stored.ClaimedAmount, (await Store.RedPacketClaimsAsync(p.Id)).Sum(c => c.Amount));
                if (stored.Status == RedPacketStatus.Open) open += stored.Remaining;
            }
            Assert.Equal(held, open);
            Assert.Equal(15_000, cny.Sum() + held);
            await AssertCleanAsync();
        }, iter: 30, threads: 1);
    }
}

public sealed class SqliteRedPacketStoreTests(SqliteWalletEngine engine) : RedPacketStoreContract(engine), IClassFixture<SqliteWalletEngine>;

[RequiresPostgres]
public sealed class PostgresRedPacketStoreTests(PostgresWalletEngine engine) : RedPacketStoreContract(engine), IClassFixture<PostgresWalletEngine>;
