using Microsoft.Data.Sqlite;
using Penguin.Core.Wallet.Bank;

namespace Penguin.Bank;

/// <summary>
/// The bank's own durable records in one SQLite file: every payment (unique on the merchant's request id) and the
/// callbacks still to send. A payment and its callbacks commit together, so a bank killed mid-callback sends them
/// after it restarts. One connection, one operation at a time: a simulator needs correctness, not throughput.
/// </summary>
public sealed class BankRecords : IDisposable
{
    private const string Columns = "seq, id, merchant_request_id, kind, amount, currency, card_last4, status, decline_reason, created_at";

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public BankRecords(string dataFile)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dataFile, Pooling = false }.ToString());
        _connection.Open();
        Execute(null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        Execute(null, """
            CREATE TABLE IF NOT EXISTS payments (
                seq                 INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                id                  TEXT    NOT NULL UNIQUE,
                merchant_request_id TEXT    NOT NULL UNIQUE,
                kind                TEXT    NOT NULL,
                amount              INTEGER NOT NULL,
                currency            TEXT    NOT NULL,
                card_last4          TEXT    NOT NULL,
                status              TEXT    NOT NULL,
                decline_reason      TEXT,
                fingerprint         TEXT    NOT NULL,
                created_at          INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS callbacks (
                id          INTEGER NOT NULL PRIMARY KEY,
                payment_seq INTEGER NOT NULL REFERENCES payments (seq),
                notify_url  TEXT    NOT NULL,
                due_at      INTEGER NOT NULL,
                attempts    INTEGER NOT NULL DEFAULT 0,
                state       TEXT    NOT NULL DEFAULT 'due');
            CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks (state, due_at);
            """);
    }

    /// <summary>
    /// Records a new payment with <paramref name="callbacks"/> copies of its callback due at <paramref name="callbackAt"/>,
    /// or returns the one recorded for the same merchant request id: <c>Existing</c> when its request was the same,
    /// <c>Conflict</c> when not.
    /// </summary>
    public async Task<(BankPayment Payment, bool Existing, bool Conflict)> RecordAsync(BankPayment payment, string fingerprint, string? notifyUrl, int callbacks,
        DateTimeOffset callbackAt)
    {
        await _gate.WaitAsync();
        try
        {
            using var tx = _connection.BeginTransaction();
            var earlier = QueryPayments(tx, $"SELECT {Columns}, fingerprint FROM payments WHERE merchant_request_id = $m", ("$m", payment.MerchantRequestId));
            if (earlier.Count == 1) return (earlier[0].Payment, true, earlier[0].Fingerprint != fingerprint);
            var seq = Scalar(tx, """
                INSERT INTO payments (id, merchant_request_id, kind, amount, currency, card_last4, status, decline_reason, fingerprint, created_at)
                VALUES ($id, $m, $k, $a, $c, $card, $s, $r, $f, $at) RETURNING seq
                """, ("$id", payment.Id), ("$m", payment.MerchantRequestId), ("$k", payment.Kind), ("$a", payment.Amount), ("$c", payment.Currency),
                ("$card", payment.CardLast4), ("$s", payment.Status), ("$r", payment.DeclineReason), ("$f", fingerprint), ("$at", payment.CreatedAt.ToUnixTimeMilliseconds()));
            if (notifyUrl is not null)
                for (var i = 0; i < callbacks; i++)
                    Execute(tx, "INSERT INTO callbacks (payment_seq, notify_url, due_at) VALUES ($s, $u, $d)",
                        ("$s", seq), ("$u", notifyUrl), ("$d", callbackAt.ToUnixTimeMilliseconds()));
            tx.Commit();
            return (payment with { Seq = seq }, false, false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<BankPayment?> GetAsync(string merchantRequestId)
    {
        await _gate.WaitAsync();
        try
        {
            return QueryPayments(null, $"SELECT {Columns}, fingerprint FROM payments WHERE merchant_request_id = $m", ("$m", merchantRequestId)).FirstOrDefault().Payment;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<BankPaymentList> ListAsync(long after, int limit)
    {
        await _gate.WaitAsync();
        try
        {
            var page = QueryPayments(null, $"SELECT {Columns}, fingerprint FROM payments WHERE seq > $after ORDER BY seq LIMIT $n", ("$after", after), ("$n", limit))
                .Select(p => p.Payment).ToArray();
            return new BankPaymentList(page, page.Length == limit ? page[^1].Seq : null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Callbacks due at <paramref name="now"/>: their id, where to, the attempts so far and the payment.</summary>
    public async Task<List<(long Id, string NotifyUrl, int Attempts, BankPayment Payment)>> DueCallbacksAsync(DateTimeOffset now, int limit)
    {
        await _gate.WaitAsync();
        try
        {
            using var command = Command(null, $"""
                SELECT c.id, c.notify_url, c.attempts, {string.Join(", ", Columns.Split(", ").Select(c => "p." + c))}
                FROM callbacks c JOIN payments p ON p.seq = c.payment_seq WHERE c.state = 'due' AND c.due_at <= $now ORDER BY c.due_at, c.id LIMIT $n
                """, ("$now", now.ToUnixTimeMilliseconds()), ("$n", limit));
            using var reader = command.ExecuteReader();
            var due = new List<(long, string, int, BankPayment)>();
            while (reader.Read()) due.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), ReadPayment(reader, 3)));
            return due;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Marks a callback sent (<c>state</c> "sent"), given up ("failed"), or due again at <paramref name="dueAt"/>.</summary>
    public async Task UpdateCallbackAsync(long id, string state, int attempts, DateTimeOffset dueAt)
    {
        await _gate.WaitAsync();
        try
        {
            Execute(null, "UPDATE callbacks SET state = $s, attempts = $a, due_at = $d WHERE id = $id",
                ("$s", state), ("$a", attempts), ("$d", dueAt.ToUnixTimeMilliseconds()), ("$id", id));
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    private List<(BankPayment Payment, string Fingerprint)> QueryPayments(SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<(BankPayment, string)>();
        while (reader.Read()) rows.Add((ReadPayment(reader, 0), reader.GetString(10)));
        return rows;
    }

    private static BankPayment ReadPayment(SqliteDataReader r, int o) =>
        new(r.GetString(o + 1), r.GetInt64(o), r.GetString(o + 2), r.GetString(o + 3), r.GetInt64(o + 4), r.GetString(o + 5), r.GetString(o + 6), r.GetString(o + 7),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 9)), r.IsDBNull(o + 8) ? null : r.GetString(o + 8));

    private void Execute(SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        command.ExecuteNonQuery();
    }

    private long Scalar(SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        return (long)command.ExecuteScalar()!;
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
