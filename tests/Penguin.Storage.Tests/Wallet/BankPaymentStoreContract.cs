using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using static Penguin.Core.Wallet.LedgerAccounts;

namespace Penguin.Storage.Tests.Wallet;

/// <summary>What every <see cref="IWalletBankStore"/> must do with top-ups and withdrawals; run once per engine.</summary>
public abstract class BankPaymentStoreContract
{
    private readonly WalletEngine _engine;

    protected BankPaymentStoreContract(WalletEngine engine)
    {
        RequiredServices.SkipUnlessConfigured(GetType());
        _engine = engine;
    }

    private IWalletStore Ledger => _engine.Store;

    private IWalletBankStore Store => (IWalletBankStore)_engine.Store;

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 15, 123, TimeSpan.Zero);

    private static long _nextUser = Random.Shared.NextInt64(1_000_000, 1_000_000_000) * 1000;

    private static long NewUser() => Interlocked.Increment(ref _nextUser);

    private static T Ok<T>(Penguin.Core.Common.Result<T> result)
    {
        Assert.True(result.IsOk, result.Error?.Code);
        return result.Value;
    }

    private static BankPaymentRecord Payment(long user, BankPaymentKind kind, long amount, string? key = null, string fingerprint = "f") =>
        new($"bp{Guid.NewGuid():N}", user, kind, amount, "1111", BankPaymentStatus.Pending, key ?? Guid.NewGuid().ToString("N"), fingerprint, Now);

    private static LedgerCommand Settle(BankPaymentRecord p, string kind, string from, string to) =>
        new(BankLedger.SettleKey(p.Id), $"{kind}|{p.Id}", kind, p.UserId, p.Id, [new(from, -p.Amount), new(to, p.Amount)], Now);

    private static LedgerCommand Hold(BankPaymentRecord p) =>
        new(BankLedger.HoldKey(p.Id), $"withdraw|{p.Id}", BankLedger.WithdrawKind, p.UserId, p.Id, [new(UserCny(p.UserId), -p.Amount), new(BankLedger.WithdrawalsInFlight, p.Amount)], Now);

    [Fact]
    public async Task TopUp_SettledByManyAtOnce_CreditsExactlyOnce()
    {
        var user = NewUser();
        var payment = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 2_500)));

        // A callback, a second callback and the poller, all at once.
        var settled = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Store.SettleBankPaymentAsync(payment.Id, BankPaymentStatus.Succeeded, "ch_1", null,
            Settle(payment, BankLedger.TopUpKind, BankClearing, UserCny(user)), Now).AsTask()));

        Assert.All(settled, s => Assert.Equal(BankPaymentStatus.Succeeded, Ok(s).Value.Status));
        Assert.Equal(2_500, await Ledger.BalanceAsync(UserCny(user)));
        var stored = (await Store.GetBankPaymentAsync(payment.Id))!;
        Assert.Equal((BankPaymentStatus.Succeeded, "ch_1", Now), (stored.Status, stored.BankPaymentId, stored.CreatedAt));
        Assert.True((await Ledger.AuditAsync()).IsClean);
    }

    [Fact]
    public async Task Create_SameKey_ReturnsTheFirst_ADifferentRequestConflicts()
    {
        var user = NewUser();
        var first = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 100, key: $"u{user}:k")));

        var again = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 100, key: $"u{user}:k")));
        var other = await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 200, key: $"u{user}:k", fingerprint: "g"));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("idempotency_conflict", other.Error?.Code);
        Assert.Single(await Store.UserBankPaymentsAsync(user, 10));
    }

    [Fact]
    public async Task Withdrawal_HoldsTheMoney_DeclineReturnsItOnce_WithoutMoneyNothingIsRecorded()
    {
        var user = NewUser();
        Ok(await Ledger.PostAsync(new LedgerCommand(Guid.NewGuid().ToString("N"), "fund", "deposit", null, null, [new(BankClearing, -1_000), new(UserCny(user), 1_000)], Now)));
        var before = await Ledger.BalanceAsync(BankLedger.WithdrawalsInFlight);
        var payment = Payment(user, BankPaymentKind.Withdrawal, 600);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.CreateWithdrawalAsync(payment, Hold(payment)).AsTask()));
        var poor = Payment(user, BankPaymentKind.Withdrawal, 600);
        var refused = await Store.CreateWithdrawalAsync(poor, Hold(poor));

        Assert.All(concurrent, c => Assert.Equal(payment.Id, Ok(c).Id));
        Assert.Equal("insufficient_funds", refused.Error?.Code);
        Assert.Null(await Store.GetBankPaymentAsync(poor.Id));
        Assert.Equal(400, await Ledger.BalanceAsync(UserCny(user)));
        Assert.Equal(before + 600, await Ledger.BalanceAsync(BankLedger.WithdrawalsInFlight));
        for (var i = 0; i < 3; i++)
            Ok(await Store.SettleBankPaymentAsync(payment.Id, BankPaymentStatus.Failed, "po_1", "declined",
                Settle(payment, BankLedger.WithdrawReturnKind, BankLedger.WithdrawalsInFlight, UserCny(user)), Now));
        Assert.Equal(1_000, await Ledger.BalanceAsync(UserCny(user)));
        Assert.Equal(before, await Ledger.BalanceAsync(BankLedger.WithdrawalsInFlight));
        Assert.DoesNotContain(await Store.PendingBankPaymentsAsync(Now.AddYears(1), 1000), p => p.UserId == user);
        var (payments, lines, _) = await Store.BankSnapshotAsync();
        Assert.Contains(payments, p => p.Id == payment.Id && p.Status == BankPaymentStatus.Failed && p.Failure == "declined");
        Assert.DoesNotContain(lines, l => l.Reference == payment.Id); // a declined withdrawal never reached bank clearing
        Assert.True((await Ledger.AuditAsync()).IsClean);
    }

    [Fact]
    public async Task Pending_ListsOnlyPendingOlderThanTheCutoff_OldestFirst()
    {
        var user = NewUser();
        var old = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 1) with { CreatedAt = Now.AddMinutes(-10) }));
        var young = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 2)));
        var done = Ok(await Store.CreateTopUpAsync(Payment(user, BankPaymentKind.TopUp, 3) with { CreatedAt = Now.AddMinutes(-20) }));
        Ok(await Store.SettleBankPaymentAsync(done.Id, BankPaymentStatus.Failed, null, "declined", null, Now));

        var pending = (await Store.PendingBankPaymentsAsync(Now.AddMinutes(-1), 1000)).Where(p => p.UserId == user).Select(p => p.Id).ToList();

        Assert.Equal([old.Id], pending);
        Assert.Equal([young.Id, old.Id, done.Id], (await Store.UserBankPaymentsAsync(user, 10)).Select(p => p.Id));
    }
}

public sealed class SqliteBankPaymentStoreTests(SqliteWalletEngine engine) : BankPaymentStoreContract(engine), IClassFixture<SqliteWalletEngine>;

[RequiresPostgres]
public sealed class PostgresBankPaymentStoreTests(PostgresWalletEngine engine) : BankPaymentStoreContract(engine), IClassFixture<PostgresWalletEngine>;
