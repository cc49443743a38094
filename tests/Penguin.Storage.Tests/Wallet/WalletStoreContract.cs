using CsCheck;
using Penguin.Core.Wallet;
using static Penguin.Core.Wallet.LedgerAccounts;

namespace Penguin.Storage.Tests.Wallet;

/// <summary>What every <see cref="IWalletStore"/> must do; run once per engine.</summary>
public abstract class WalletStoreContract
{
    private readonly WalletEngine _engine;

    protected WalletStoreContract(WalletEngine engine)
    {
        RequiredServices.SkipUnlessConfigured(GetType());
        _engine = engine;
    }

    private IWalletStore Store => _engine.Store;

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 15, 123, TimeSpan.Zero);

    private static long _nextUser = Random.Shared.NextInt64(1_000_000, 1_000_000_000) * 1000;

    /// <summary>A user id no other test uses: the ledger knows users only by id.</summary>
    private static long NewUser() => Interlocked.Increment(ref _nextUser);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static LedgerCommand TopUp(long user, long fen, string? key = null) =>
        new(key ?? Key(), $"topup|{user}|{fen}", "topup", user, null, [new(BankClearing, -fen), new(UserCny(user), fen)], Now);

    private static LedgerCommand Move(long from, long to, long fen, string? key = null, DailyLimit? limit = null) =>
        new(key ?? Key(), $"move|{from}|{to}|{fen}", "transfer", from, null, [new(UserCny(from), -fen), new(UserCny(to), fen)], Now, limit);

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

    private async Task AssertCleanAsync()
    {
        var audit = await Store.AuditAsync();
        Assert.Empty(audit.UnbalancedTransactions);
        Assert.Empty(audit.MismatchedAccounts);
        Assert.Empty(audit.NegativeAccounts);
        Assert.All(audit.TotalByCurrency.Values, total => Assert.Equal(0, total));
        Assert.True(audit.IsClean);
    }

    [Fact]
    public async Task Post_TopUp_MovesMoneyFromTheBankAndRecordsTheBalanceAfter()
    {
        var alice = NewUser();

        var entry = Ok(await Store.PostAsync(TopUp(alice, 12_345)));

        Assert.False(entry.Replayed);
        Assert.Equal(12_345, await Store.BalanceAsync(UserCny(alice)));
        var history = await Store.HistoryAsync(alice, null, 10);
        var item = Assert.Single(history);
        Assert.Equal((entry.TransactionId, "topup", 12_345L, 12_345L), (item.TransactionId, item.Kind, item.Amount, item.BalanceAfter));
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Post_MoreThanTheBalance_InsufficientFunds_ChangesNothing()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 100)));
        var before = await Store.AuditAsync();
        var command = Move(alice, bob, 101);

        Fails("insufficient_funds", await Store.PostAsync(command));

        Assert.Equal(100, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(0, await Store.BalanceAsync(UserCny(bob)));
        Assert.Null(await Store.FindAsync(command.IdempotencyKey));
        Assert.Single(await Store.HistoryAsync(alice, null, 10));
        Assert.Empty(await Store.HistoryAsync(bob, null, 10));
        Assert.True((await Store.AuditAsync()).Transactions >= before.Transactions);
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Post_ExactlyTheBalance_LeavesZero()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 100)));

        Ok(await Store.PostAsync(Move(alice, bob, 100)));

        Assert.Equal(0, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(100, await Store.BalanceAsync(UserCny(bob)));
    }

    [Fact]
    public async Task Post_SameKeySameRequest_ReplaysWithoutMovingTwice()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 500)));
        var key = Key();

        var first = Ok(await Store.PostAsync(Move(alice, bob, 200, key)));
        var again = Ok(await Store.PostAsync(Move(alice, bob, 200, key)));

        Assert.True(again.Replayed);
        Assert.Equal(first.TransactionId, again.TransactionId);
        Assert.Equal(first.Postings.OrderBy(p => p.AccountId), again.Postings.OrderBy(p => p.AccountId));
        Assert.Equal(300, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(200, await Store.BalanceAsync(UserCny(bob)));
    }

    [Fact]
    public async Task Post_SameKeyDifferentRequest_IdempotencyConflict_ChangesNothing()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 500)));
        var key = Key();
        Ok(await Store.PostAsync(Move(alice, bob, 200, key)));

        Fails("idempotency_conflict", await Store.PostAsync(Move(alice, bob, 201, key)));

        Assert.Equal(300, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(200, await Store.BalanceAsync(UserCny(bob)));
    }

    [Fact]
    public async Task Post_SameKeyConcurrently_MovesOnce()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 1_000)));
        var key = Key();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () => await Store.PostAsync(Move(alice, bob, 70, key)))));

        Assert.All(results, r => Assert.True(r.IsOk));
        Assert.Single(results, r => !r.Value.Replayed);
        Assert.Single(results.Select(r => r.Value.TransactionId).Distinct());
        Assert.Equal(930, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(70, await Store.BalanceAsync(UserCny(bob)));
    }

    [Fact]
    public async Task Post_OverTheDailyLimit_DailyLimitExceeded_CountsOnlyTodaysKinds()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 10_000)));
        var limit = new DailyLimit(UserCny(alice), 1_000, Now.AddHours(-1), ["transfer"]);
        Ok(await Store.PostAsync(Move(alice, bob, 600, limit: limit)));

        Fails("daily_limit_exceeded", await Store.PostAsync(Move(alice, bob, 401, limit: limit)));
        Ok(await Store.PostAsync(Move(alice, bob, 400, limit: limit)));
        Fails("daily_limit_exceeded", await Store.PostAsync(Move(alice, bob, 1, limit: limit)));

        Assert.Equal(1_000, await Store.OutgoingSinceAsync(UserCny(alice), Now.AddHours(-1), ["transfer"]));
        Assert.Equal(0, await Store.OutgoingSinceAsync(UserCny(alice), Now.AddHours(1), ["transfer"]));
        Assert.Equal(9_000, await Store.BalanceAsync(UserCny(alice)));
    }

    [Fact]
    public async Task Post_BalanceBeyondTheMaximum_AmountTooLarge()
    {
        var alice = NewUser();
        Ok(await Store.PostAsync(TopUp(alice, LedgerRules.MaxBalance)));

        Fails("amount_too_large", await Store.PostAsync(TopUp(alice, 1)));

        Assert.Equal(LedgerRules.MaxBalance, await Store.BalanceAsync(UserCny(alice)));
    }

    [Fact]
    public async Task Post_Unbalanced_IsRefusedAsABug()
    {
        var alice = NewUser();
        var command = new LedgerCommand(Key(), "x", "topup", alice, null, [new(BankClearing, -5), new(UserCny(alice), 6)], Now);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.PostAsync(command));

        Assert.Equal(0, await Store.BalanceAsync(UserCny(alice)));
    }

    [Fact]
    public async Task History_PagesNewestFirst()
    {
        var alice = NewUser();
        for (var i = 1; i <= 5; i++) Ok(await Store.PostAsync(TopUp(alice, i)));

        var first = await Store.HistoryAsync(alice, null, 3);
        var second = await Store.HistoryAsync(alice, first[^1].PostingId, 3);

        Assert.Equal([5L, 4, 3], first.Select(h => h.Amount));
        Assert.Equal([2L, 1], second.Select(h => h.Amount));
        Assert.Equal([15L, 10, 6], first.Select(h => h.BalanceAfter));
    }

    private static TransferRecord Transfer(long from, long to, long amount) =>
        new(Guid.NewGuid().ToString("N"), from, to, amount, "房租", TransferStatus.Pending, Now, Now.AddHours(24));

    private static LedgerCommand Hold(TransferRecord t, string? key = null) =>
        new(key ?? Key(), $"transfer|{t.ToId}|{t.Amount}", "transfer", t.FromId, t.Id, [new(UserCny(t.FromId), -t.Amount), new(Escrow, t.Amount)], Now);

    private static LedgerCommand Release(TransferRecord t, TransferStatus to) =>
        new($"settle:{t.Id}", $"settle|{to}", to == TransferStatus.Accepted ? "transfer_accept" : "transfer_return", null, t.Id,
            [new(Escrow, -t.Amount), new(UserCny(to == TransferStatus.Accepted ? t.ToId : t.FromId), t.Amount)], Now.AddHours(1));

    [Fact]
    public async Task Transfer_HeldThenAccepted_ReachesTheReceiverOnce()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 1_000)));
        var transfer = Transfer(alice, bob, 300);

        var held = Ok(await Store.CreateTransferAsync(transfer, Hold(transfer)));
        Assert.Equal(TransferStatus.Pending, held.Transfer.Status);
        Assert.Equal(700, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(0, await Store.BalanceAsync(UserCny(bob)));
        Assert.Contains(await Store.PendingTransfersAsync(bob), t => t.Id == transfer.Id);

        var accepted = Ok(await Store.SettleTransferAsync(transfer.Id, TransferStatus.Accepted, Release(transfer, TransferStatus.Accepted)));
        Assert.Equal(TransferStatus.Accepted, accepted.Transfer.Status);
        Fails("transfer_closed", await Store.SettleTransferAsync(transfer.Id, TransferStatus.Returned, Release(transfer, TransferStatus.Returned) with { IdempotencyKey = Key() }));
        Fails("transfer_closed", await Store.SettleTransferAsync(transfer.Id, TransferStatus.Returned, Release(transfer, TransferStatus.Returned)));
        Assert.True(Ok(await Store.SettleTransferAsync(transfer.Id, TransferStatus.Accepted, Release(transfer, TransferStatus.Accepted))).Entry.Replayed);

        Assert.Equal(300, await Store.BalanceAsync(UserCny(bob)));
        Assert.Equal(700, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(TransferStatus.Accepted, (await Store.GetTransferAsync(transfer.Id))!.Status);
        Assert.DoesNotContain(await Store.PendingTransfersAsync(bob), t => t.Id == transfer.Id);
        await AssertCleanAsync();
    }

    [Fact]
    public async Task Transfer_Created_Retried_ReturnsTheSameTransfer()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 1_000)));
        var transfer = Transfer(alice, bob, 300);
        var key = Key();
        Ok(await Store.CreateTransferAsync(transfer, Hold(transfer, key)));

        var retry = Transfer(alice, bob, 300);
        var again = Ok(await Store.CreateTransferAsync(retry, Hold(retry, key) with { Reference = retry.Id, Fingerprint = Hold(transfer).Fingerprint }));

        Assert.True(again.Entry.Replayed);
        Assert.Equal(transfer.Id, again.Transfer.Id);
        Assert.Null(await Store.GetTransferAsync(retry.Id));
        Assert.Equal(700, await Store.BalanceAsync(UserCny(alice)));
    }

    [Fact]
    public async Task Transfer_Expired_IsListedAndReturnsToTheSender()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 1_000)));
        var transfer = Transfer(alice, bob, 250);
        Ok(await Store.CreateTransferAsync(transfer, Hold(transfer)));

        Assert.DoesNotContain(await Store.ExpiredTransfersAsync(Now.AddHours(23), 1000), t => t.Id == transfer.Id);
        Assert.Contains(await Store.ExpiredTransfersAsync(Now.AddHours(24), 1000), t => t.Id == transfer.Id);
        Ok(await Store.SettleTransferAsync(transfer.Id, TransferStatus.Returned, Release(transfer, TransferStatus.Returned)));

        Assert.Equal(1_000, await Store.BalanceAsync(UserCny(alice)));
        Assert.Equal(0, await Store.BalanceAsync(UserCny(bob)));
        Assert.DoesNotContain(await Store.ExpiredTransfersAsync(Now.AddHours(48), 1000), t => t.Id == transfer.Id);
    }

    [Fact]
    public async Task Transfer_AcceptAndReturnRacing_ExactlyOneWins()
    {
        var (alice, bob) = (NewUser(), NewUser());
        Ok(await Store.PostAsync(TopUp(alice, 1_000)));
        var transfer = Transfer(alice, bob, 400);
        Ok(await Store.CreateTransferAsync(transfer, Hold(transfer)));

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var to = i % 2 == 0 ? TransferStatus.Accepted : TransferStatus.Returned;
            return await Store.SettleTransferAsync(transfer.Id, to, Release(transfer, to) with { IdempotencyKey = Key() });
        })));

        Assert.Single(results, r => r.IsOk);
        Assert.Equal(1_000, await Store.BalanceAsync(UserCny(alice)) + await Store.BalanceAsync(UserCny(bob)));
        await AssertCleanAsync();
    }

    [Fact]
    public async Task PayPassword_SetRecordReset()
    {
        var alice = NewUser();
        Assert.Null(await Store.GetPayPasswordAsync(alice));

        await Store.SetPayPasswordAsync(alice, "hash-1", Now);
        await Store.RecordPayPasswordAttemptAsync(alice, 3, Now.AddMinutes(15));
        var locked = await Store.GetPayPasswordAsync(alice);
        await Store.SetPayPasswordAsync(alice, "hash-2", Now);

        Assert.Equal(new PayPasswordRecord(alice, "hash-1", 3, Now.AddMinutes(15)), locked);
        Assert.Equal(new PayPasswordRecord(alice, "hash-2", 0, null), await Store.GetPayPasswordAsync(alice));
    }

    [Fact]
    public async Task PayPasswordFailures_CountedConcurrently_EachCounts_AndTheLastLocks()
    {
        var alice = NewUser();
        Assert.Null(await Store.CountPayPasswordFailureAsync(alice, 5, Now.AddHours(3)));
        await Store.SetPayPasswordAsync(alice, "hash", Now);

        var counted = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.CountPayPasswordFailureAsync(alice, 5, Now.AddHours(3)).AsTask()));
        Assert.Equal([1, 2, 3, 4], counted.Select(r => r!.Failures).Order());
        Assert.All(counted, r => Assert.Null(r!.LockedUntil));

        var fifth = await Store.CountPayPasswordFailureAsync(alice, 5, Now.AddHours(3));
        Assert.Equal(new PayPasswordRecord(alice, "hash", 0, Now.AddHours(3)), fifth);
        Assert.Equal(fifth, await Store.GetPayPasswordAsync(alice));
    }

    [Fact]
    public async Task Transfers_AThousandConcurrentAmongFewAccounts_LeaveExactBalances()
    {
        var users = Enumerable.Range(0, 4).Select(_ => NewUser()).ToArray();
        foreach (var u in users) Ok(await Store.PostAsync(TopUp(u, 1_000)));
        var random = new Random(18);
        var moves = Enumerable.Range(0, 1_000).Select(_ =>
        {
            var from = random.Next(users.Length);
            var to = (from + 1 + random.Next(users.Length - 1)) % users.Length;
            return (From: users[from], To: users[to], Fen: (long)random.Next(1, 400));
        }).ToArray();

        var results = await Task.WhenAll(moves.Select(m => Task.Run(async () => await Store.PostAsync(Move(m.From, m.To, m.Fen)))));

        // Whatever interleaving happened, each balance is the start plus exactly the moves that succeeded.
        var expected = users.ToDictionary(u => u, _ => 1_000L);
        for (var i = 0; i < moves.Length; i++)
        {
            if (!results[i].IsOk)
            {
                Assert.Equal("insufficient_funds", results[i].Error!.Code);
                continue;
            }
            expected[moves[i].From] -= moves[i].Fen;
            expected[moves[i].To] += moves[i].Fen;
        }
        foreach (var u in users) Assert.Equal(expected[u], await Store.BalanceAsync(UserCny(u)));
        Assert.Equal(4_000, expected.Values.Sum());
        Assert.Contains(results, r => r.IsOk);
        await AssertCleanAsync();
    }

    /// <summary>A random step of the model: top up, withdraw, move, buy Q-coins, or retry an earlier key.</summary>
    private sealed record Step(int Op, int From, int To, long Amount, bool Retry);

    [Fact]
    public async Task AnySequenceOfOperations_ConservesMoneyAndMatchesTheModel()
    {
        var step = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Long[1, 2_000], Gen.Bool, (op, f, t, a, r) => new Step(op, f, t, a, r));
        await step.Array[1, 25].SampleAsync(async steps =>
        {
            var users = Enumerable.Range(0, 3).Select(_ => NewUser()).ToArray();
            var cny = new long[3];
            var qc = new long[3];
            LedgerCommand? last = null;
            var lastStored = false;
            foreach (var s in steps)
            {
                var (from, to) = (users[s.From], users[s.To]);
                var command = s.Retry && last is not null ? last : s.Op switch
                {
                    0 => TopUp(from, s.Amount),
                    1 => new LedgerCommand(Key(), "withdraw", "withdraw", from, null, [new(UserCny(from), -s.Amount), new(BankClearing, s.Amount)], Now),
                    2 when s.From != s.To => Move(from, to, s.Amount),
                    3 => new LedgerCommand(Key(), "qc", "buy_qcoins", from, null,
                        [new(UserCny(from), -s.Amount * 10), new(Revenue, s.Amount * 10), new(QCoinIssuance, -s.Amount), new(UserQCoins(from), s.Amount)], Now),
                    _ => TopUp(to, s.Amount),
                };
                var result = await Store.PostAsync(command);
                var replay = result.IsOk && result.Value.Replayed;
                if (result.IsOk && !replay)
                    foreach (var p in command.Postings)
                    {
                        var i = Array.FindIndex(users, u => UserCny(u) == p.AccountId || UserQCoins(u) == p.AccountId);
                        if (i < 0) continue;
                        if (p.AccountId.EndsWith(":qc", StringComparison.Ordinal)) qc[i] += p.Amount;
                        else cny[i] += p.Amount;
                    }
                // A refused command may be refused only for want of money, and a retry never moves anything.
                if (!result.IsOk) Assert.Equal("insufficient_funds", result.Error!.Code);
                Assert.Equal(s.Retry && last is not null && lastStored, replay);
                last = command;
                lastStored = result.IsOk;
            }
            for (var i = 0; i < users.Length; i++)
            {
                Assert.Equal(cny[i], await Store.BalanceAsync(UserCny(users[i])));
                Assert.Equal(qc[i], await Store.BalanceAsync(UserQCoins(users[i])));
                Assert.True(cny[i] >= 0 && qc[i] >= 0);
            }
            var audit = await Store.AuditAsync();
            Assert.True(audit.IsClean, "the journal balances and every balance equals its postings");
        }, iter: 40, threads: 1);
    }
}
