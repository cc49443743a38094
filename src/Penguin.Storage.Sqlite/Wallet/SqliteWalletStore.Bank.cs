using Microsoft.Data.Sqlite;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>Top-ups and withdrawals (IWalletBankStore): each payment's status changes on the writer thread with the journal transaction that moves its money.</summary>
public sealed partial class SqliteWalletStore : IWalletBankStore
{
    private const string BankColumns = "id, user_id, kind, amount, card_last4, status, idempotency_key, fingerprint, bank_payment_id, failure, created_at, settled_at";

    public ValueTask<Result<BankPaymentRecord>> CreateTopUpAsync(BankPaymentRecord payment, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<BankPaymentRecord>>((c, tx) =>
        {
            if (Earlier(c, tx, payment) is { } earlier) return earlier;
            InsertBankPayment(c, tx, payment);
            return payment;
        }, cancellationToken);

    public ValueTask<Result<BankPaymentRecord>> CreateWithdrawalAsync(BankPaymentRecord payment, LedgerCommand hold, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<BankPaymentRecord>>((c, tx) =>
        {
            if (Earlier(c, tx, payment) is { } earlier) return earlier;
            var posted = Post(c, tx, hold);
            if (!posted.IsOk) return posted.Error;
            InsertBankPayment(c, tx, payment);
            return payment;
        }, cancellationToken);

    public ValueTask<Result<Committed<BankPaymentRecord>>> SettleBankPaymentAsync(string id, BankPaymentStatus status, string? bankPaymentId, string? failure, LedgerCommand? command,
        DateTimeOffset at, EventsFor<BankPaymentRecord>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BankPaymentRecord>>>((c, tx) =>
        {
            if (GetBankPayment(c, tx, id) is not { } payment) return Errors.NotFound;
            if (payment.Status != BankPaymentStatus.Pending) return new Committed<BankPaymentRecord>(payment, []);
            if (command is not null)
            {
                var posted = Post(c, tx, command);
                if (!posted.IsOk) return posted.Error;
            }
            c.Execute(tx, "UPDATE wallet_bank_payments SET status = $s, bank_payment_id = $b, failure = $f, settled_at = $at WHERE id = $id AND status = 'pending'",
                ("$s", BankLedger.StatusName(status)), ("$b", bankPaymentId), ("$f", failure), ("$at", at.ToUnixMs()), ("$id", id));
            var settled = payment with { Status = status, BankPaymentId = bankPaymentId, Failure = failure, SettledAt = at };
            return new Committed<BankPaymentRecord>(settled, events is null ? [] : SqliteOutbox.Append(db.EventHeads, c, tx, events(settled)));
        }, cancellationToken);

    public ValueTask<BankPaymentRecord?> GetBankPaymentAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetBankPayment(c, null, id), cancellationToken);

    public ValueTask<IReadOnlyList<BankPaymentRecord>> PendingBankPaymentsAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<BankPaymentRecord>>(c => c.Query(null,
            $"SELECT {BankColumns} FROM wallet_bank_payments WHERE status = 'pending' AND created_at < $before ORDER BY created_at, id LIMIT $n",
            ReadBankPayment, ("$before", createdBefore.ToUnixMs()), ("$n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<BankPaymentRecord>> UserBankPaymentsAsync(long userId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<BankPaymentRecord>>(c => c.Query(null,
            $"SELECT {BankColumns} FROM wallet_bank_payments WHERE user_id = $u ORDER BY created_at DESC, id LIMIT $n",
            ReadBankPayment, ("$u", userId), ("$n", limit)), cancellationToken);

    public ValueTask<(IReadOnlyList<BankPaymentRecord> Payments, IReadOnlyList<BankLedgerLine> Lines, long InFlight)> BankSnapshotAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(c =>
        {
            using var tx = c.BeginTransaction(deferred: true);
            IReadOnlyList<BankPaymentRecord> payments = c.Query(tx, $"SELECT {BankColumns} FROM wallet_bank_payments ORDER BY created_at, id", ReadBankPayment);
            IReadOnlyList<BankLedgerLine> lines = c.Query(tx, """
                SELECT t.id, t.kind, t.reference, p.amount FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
                WHERE p.account_id = $clearing ORDER BY t.id
                """, r => new BankLedgerLine(r.GetInt64(0), r.GetString(1), r.NullableString(2), r.GetInt64(3)), ("$clearing", LedgerAccounts.BankClearing));
            var inFlight = c.Scalar(tx, "SELECT COALESCE((SELECT balance FROM wallet_accounts WHERE id = $id), 0)", ("$id", BankLedger.WithdrawalsInFlight));
            tx.Commit();
            return (payments, lines, inFlight);
        }, cancellationToken);

    /// <summary>The payment made with the same key: itself when the request is the same, a conflict when not.</summary>
    private static Result<BankPaymentRecord>? Earlier(SqliteConnection c, SqliteTransaction tx, BankPaymentRecord payment)
    {
        var earlier = c.QuerySingle(tx, $"SELECT {BankColumns} FROM wallet_bank_payments WHERE idempotency_key = $k", ReadBankPayment, ("$k", payment.IdempotencyKey));
        if (earlier is null) return null;
        return earlier.FingerprintHash == payment.FingerprintHash ? earlier : WalletErrors.IdempotencyConflict;
    }

    private static void InsertBankPayment(SqliteConnection c, SqliteTransaction tx, BankPaymentRecord p) =>
        c.Execute(tx, $"INSERT INTO wallet_bank_payments ({BankColumns}) VALUES ($id, $u, $kind, $a, $card, 'pending', $k, $f, NULL, NULL, $at, NULL)",
            ("$id", p.Id), ("$u", p.UserId), ("$kind", BankLedger.KindName(p.Kind)), ("$a", p.Amount), ("$card", p.CardLast4),
            ("$k", p.IdempotencyKey), ("$f", p.FingerprintHash), ("$at", p.CreatedAt.ToUnixMs()));

    private static BankPaymentRecord? GetBankPayment(SqliteConnection c, SqliteTransaction? tx, string id) =>
        c.QuerySingle(tx, $"SELECT {BankColumns} FROM wallet_bank_payments WHERE id = $id", ReadBankPayment, ("$id", id));

    private static BankPaymentRecord ReadBankPayment(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), BankLedger.ParseKind(r.GetString(2)), r.GetInt64(3), r.GetString(4), BankLedger.ParseStatus(r.GetString(5)),
            r.GetString(6), r.GetString(7), r.FromUnixMs(10), r.NullableString(8), r.NullableString(9), r.IsDBNull(11) ? null : r.FromUnixMs(11));
}
