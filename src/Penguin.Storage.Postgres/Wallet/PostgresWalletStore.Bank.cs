using Npgsql;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// Top-ups and withdrawals (IWalletBankStore) shared by every node. A settlement locks the payment's row first, so a
/// callback on one node and the reconciler on another settle it once; a second create with the same key waits on the
/// key's unique index and then finds the first.
/// </summary>
public sealed partial class PostgresWalletStore : IWalletBankStore
{
    private const string BankColumns = "id, user_id, kind, amount, card_last4, status, idempotency_key, fingerprint, bank_payment_id, failure, created_at, settled_at";

    public ValueTask<Result<BankPaymentRecord>> CreateTopUpAsync(BankPaymentRecord payment, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<BankPaymentRecord>>(async (c, tx) =>
        {
            if (await InsertBankPaymentAsync(c, tx, payment)) return payment with { CreatedAt = payment.CreatedAt.Utc() };
            return await EarlierAsync(c, tx, payment);
        }, cancellationToken);

    public async ValueTask<Result<BankPaymentRecord>> CreateWithdrawalAsync(BankPaymentRecord payment, LedgerCommand hold, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.WriteAsync<Result<BankPaymentRecord>>(async (c, tx) =>
            {
                // The payment row first: a concurrent retry with the same key waits here, then finds this one.
                if (!await InsertBankPaymentAsync(c, tx, payment)) return await EarlierAsync(c, tx, payment);
                var posted = await PostAsync(c, tx, hold);
                // Refused (no money, over the limit): the payment row must not commit without its hold.
                if (!posted.IsOk) throw new HoldRefusedException(posted.Error);
                return payment with { CreatedAt = payment.CreatedAt.Utc() };
            }, cancellationToken);
        }
        catch (HoldRefusedException e)
        {
            return e.Error;
        }
    }

    private sealed class HoldRefusedException(Error error) : Exception(error.Code)
    {
        public Error Error { get; } = error;
    }

    public ValueTask<Result<Committed<BankPaymentRecord>>> SettleBankPaymentAsync(string id, BankPaymentStatus status, string? bankPaymentId, string? failure, LedgerCommand? command,
        DateTimeOffset at, EventsFor<BankPaymentRecord>? events = null, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BankPaymentRecord>>>(async (c, tx) =>
        {
            if (await GetBankPaymentAsync(c, tx, id, forUpdate: true) is not { } payment) return Errors.NotFound;
            if (payment.Status != BankPaymentStatus.Pending) return new Committed<BankPaymentRecord>(payment, []);
            if (command is not null)
            {
                // A refused command wrote nothing (it checks before it writes); the status stays pending.
                var posted = await PostAsync(c, tx, command);
                if (!posted.IsOk) return posted.Error;
            }
            await c.ExecuteAsync(tx, "UPDATE wallet_bank_payments SET status = @s, bank_payment_id = @b, failure = @f, settled_at = @at WHERE id = @id AND status = 'pending'",
                ("s", BankLedger.StatusName(status)), ("b", bankPaymentId), ("f", failure), ("at", at.Utc()), ("id", id));
            var settled = payment with { Status = status, BankPaymentId = bankPaymentId, Failure = failure, SettledAt = at.Utc() };
            return new Committed<BankPaymentRecord>(settled, events is null ? [] : await PostgresOutbox.AppendAsync(c, tx, events(settled)));
        }, cancellationToken);

    public ValueTask<BankPaymentRecord?> GetBankPaymentAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GetBankPaymentAsync(c, null, id, forUpdate: false), cancellationToken);

    public ValueTask<IReadOnlyList<BankPaymentRecord>> PendingBankPaymentsAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<BankPaymentRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {BankColumns} FROM wallet_bank_payments WHERE status = 'pending' AND created_at < @before ORDER BY created_at, id LIMIT @n",
            ReadBankPayment, ("before", createdBefore.Utc()), ("n", limit)), cancellationToken);

    public ValueTask<IReadOnlyList<BankPaymentRecord>> UserBankPaymentsAsync(long userId, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<BankPaymentRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {BankColumns} FROM wallet_bank_payments WHERE user_id = @u ORDER BY created_at DESC, id LIMIT @n",
            ReadBankPayment, ("u", userId), ("n", limit)), cancellationToken);

    public ValueTask<(IReadOnlyList<BankPaymentRecord> Payments, IReadOnlyList<BankLedgerLine> Lines, long InFlight)> BankSnapshotAsync(CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c =>
        {
            await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            IReadOnlyList<BankPaymentRecord> payments = await c.QueryAsync(tx, $"SELECT {BankColumns} FROM wallet_bank_payments ORDER BY created_at, id", ReadBankPayment);
            IReadOnlyList<BankLedgerLine> lines = await c.QueryAsync(tx, """
                SELECT t.id, t.kind, t.reference, p.amount FROM wallet_postings p JOIN wallet_transactions t ON t.id = p.tx_id
                WHERE p.account_id = @clearing ORDER BY t.id
                """, r => new BankLedgerLine(r.GetInt64(0), r.GetString(1), r.NullableString(2), r.GetInt64(3)), ("clearing", LedgerAccounts.BankClearing));
            var inFlight = await c.ScalarAsync(tx, "SELECT balance FROM wallet_accounts WHERE id = @id", ("id", BankLedger.WithdrawalsInFlight)) ?? 0;
            await tx.CommitAsync(cancellationToken);
            return (payments, lines, inFlight);
        }, cancellationToken);

    private static async Task<Result<BankPaymentRecord>> EarlierAsync(NpgsqlConnection c, NpgsqlTransaction tx, BankPaymentRecord payment)
    {
        var earlier = await c.QuerySingleAsync(tx, $"SELECT {BankColumns} FROM wallet_bank_payments WHERE idempotency_key = @k", ReadBankPayment, ("k", payment.IdempotencyKey))
            ?? throw new InvalidOperationException("A bank payment's idempotency key conflicted with no row.");
        return earlier.FingerprintHash == payment.FingerprintHash ? earlier : WalletErrors.IdempotencyConflict;
    }

    /// <summary>False when a payment with the same idempotency key exists (this one is not written).</summary>
    private static async Task<bool> InsertBankPaymentAsync(NpgsqlConnection c, NpgsqlTransaction tx, BankPaymentRecord p) =>
        await c.ExecuteAsync(tx, $"""
            INSERT INTO wallet_bank_payments ({BankColumns}) VALUES (@id, @u, @kind, @a, @card, 'pending', @k, @f, NULL, NULL, @at, NULL)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, ("id", p.Id), ("u", p.UserId), ("kind", BankLedger.KindName(p.Kind)), ("a", p.Amount), ("card", p.CardLast4),
            ("k", p.IdempotencyKey), ("f", p.FingerprintHash), ("at", p.CreatedAt.Utc())) == 1;

    private static Task<BankPaymentRecord?> GetBankPaymentAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string id, bool forUpdate) =>
        c.QuerySingleAsync(tx, $"SELECT {BankColumns} FROM wallet_bank_payments WHERE id = @id{(forUpdate ? " FOR UPDATE" : "")}", ReadBankPayment, ("id", id));

    private static BankPaymentRecord ReadBankPayment(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), BankLedger.ParseKind(r.GetString(2)), r.GetInt64(3), r.GetString(4), BankLedger.ParseStatus(r.GetString(5)),
            r.GetString(6), r.GetString(7), r.Instant(10), r.NullableString(8), r.NullableString(9), r.IsDBNull(11) ? null : r.Instant(11));
}
