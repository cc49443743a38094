using Npgsql;

namespace Penguin.Storage.Postgres;

/// <summary>Small helpers so every statement is parameterized and mapping stays next to its query.</summary>
internal static class PgSql
{
    // The token of the unit of work a connection was opened for (PostgresDatabase.ReadAsync/WriteAsync): every
    // statement on that connection runs with it, without each of the stores' statements naming it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NpgsqlConnection, TokenBox> Tokens = new();

    private sealed class TokenBox(CancellationToken token)
    {
        public CancellationToken Token { get; } = token;
    }

    /// <summary>Binds <paramref name="cancellationToken"/> to the connection until the returned scope ends.</summary>
    public static Binding Bind(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        Tokens.AddOrUpdate(connection, new TokenBox(cancellationToken));
        return new Binding(connection);
    }

    /// <summary>Ends a <see cref="Bind"/> (pooled connections are reused by other units of work).</summary>
    public readonly struct Binding(NpgsqlConnection connection) : IDisposable
    {
        public void Dispose() => Tokens.Remove(connection);
    }

    private static CancellationToken TokenOf(NpgsqlConnection connection) =>
        Tokens.TryGetValue(connection, out var box) ? box.Token : CancellationToken.None;

    public static NpgsqlCommand Sql(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        await using var cmd = connection.Sql(tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(TokenOf(connection));
    }

    /// <summary>The first column of the first row, or null when there is no row.</summary>
    public static async Task<long?> ScalarAsync(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        await using var cmd = connection.Sql(tx, sql, parameters);
        return await cmd.ExecuteScalarAsync(TokenOf(connection)) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    public static async Task<List<T>> QueryAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map,
        params (string, object?)[] parameters) =>
        await connection.QueryAsync(tx, sql, map, TokenOf(connection), parameters);

    public static async Task<List<T>> QueryAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map,
        CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var cmd = connection.Sql(tx, sql, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(map(reader));
        return rows;
    }

    public static async Task<T?> QuerySingleAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map,
        params (string, object?)[] parameters)
        where T : class
    {
        await using var cmd = connection.Sql(tx, sql, parameters);
        var cancellationToken = TokenOf(connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    /// <summary>
    /// Runs one statement with positional parameters ($1, $2, …), which Npgsql sends as they are (no rewriting of
    /// names) and, with Max Auto Prepare in the connection string, as a statement prepared once per connection.
    /// </summary>
    public static async Task<List<T>> CallAsync<T>(this NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> map,
        params NpgsqlParameter[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.Parameters.AddRange(parameters);
        var cancellationToken = TokenOf(connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(map(reader));
        return rows;
    }

    /// <summary>A positional parameter of an explicit type (so a null still has one).</summary>
    public static NpgsqlParameter Arg(object? value, NpgsqlTypes.NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    /// <summary>A LIKE pattern matching <paramref name="text"/> anywhere, its wildcards taken literally (use ESCAPE '\').</summary>
    public static string Contains(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    public static string? NullableString(this NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>
    /// timestamptz takes UTC only; the domain's instants may carry any offset. Kept to the millisecond like
    /// the SQLite engine, so both engines hand back the same instants.
    /// </summary>
    public static DateTimeOffset Utc(this DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    public static DateTimeOffset Instant(this NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);

    /// <summary>
    /// Locks the rows of the given users, lowest id first, for the rest of the transaction. Every write that
    /// touches two users takes both locks up front in this one order, so two nodes changing the same pair
    /// wait for each other instead of deadlocking when they later bump each user's event seq.
    /// </summary>
    public static Task<int> LockUsersAsync(this NpgsqlConnection connection, NpgsqlTransaction tx, params long[] ids) =>
        ids.Length == 0
            ? Task.FromResult(0)
            : connection.ExecuteAsync(tx, "SELECT id FROM users WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", ("ids", ids.Distinct().ToArray()));
}
