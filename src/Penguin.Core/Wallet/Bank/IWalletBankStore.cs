using Penguin.Core.Common;
using Penguin.Core.Outbox;

namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// Top-ups and withdrawals on one storage engine, beside the ledger (the same store class). A payment's status and
/// the journal transaction that moves its money commit together; settling a payment that is no longer pending moves
/// nothing and returns it as it is, so duplicate callbacks and racing queries are harmless.
/// Expected failures: <c>idempotency_conflict</c>, <c>insufficient_funds</c>, <c>daily_limit_exceeded</c>.
/// </summary>
public interface IWalletBankStore
{
    /// <summary>Records a pending top-up, or returns the one recorded with the same key and request.</summary>
    ValueTask<Result<BankPaymentRecord>> CreateTopUpAsync(BankPaymentRecord payment, CancellationToken cancellationToken = default);

    /// <summary>Records a pending withdrawal and posts its hold (user → withdrawals in flight) together, or returns the one recorded with the same key and request.</summary>
    ValueTask<Result<BankPaymentRecord>> CreateWithdrawalAsync(BankPaymentRecord payment, LedgerCommand hold, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a pending payment as <paramref name="status"/>, posting <paramref name="command"/> (if any) and storing
    /// <paramref name="events"/> of the settled payment in the same transaction. One already settled comes back as it
    /// is, with no events.
    /// </summary>
    ValueTask<Result<Committed<BankPaymentRecord>>> SettleBankPaymentAsync(string id, BankPaymentStatus status, string? bankPaymentId, string? failure, LedgerCommand? command,
        DateTimeOffset at, EventsFor<BankPaymentRecord>? events = null, CancellationToken cancellationToken = default);

    ValueTask<BankPaymentRecord?> GetBankPaymentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Pending payments created before <paramref name="createdBefore"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<BankPaymentRecord>> PendingBankPaymentsAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>A user's payments, newest first.</summary>
    ValueTask<IReadOnlyList<BankPaymentRecord>> UserBankPaymentsAsync(long userId, int limit, CancellationToken cancellationToken = default);

    /// <summary>One snapshot for reconciliation: every payment recorded and every journal transaction across bank clearing.</summary>
    ValueTask<(IReadOnlyList<BankPaymentRecord> Payments, IReadOnlyList<BankLedgerLine> Lines, long InFlight)> BankSnapshotAsync(CancellationToken cancellationToken = default);
}
