using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Penguin.Storage.Sqlite;

/// <summary>Small helpers so every statement is parameterized and mapping stays next to its query.</summary>
internal static class SqlExtensions
{
    public static SqliteCommand Sql(this SqliteConnection connection, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public static int Execute(this SqliteConnection connection, SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var statement = Prepare(connection, tx, sql, parameters);
        return statement.Command.ExecuteNonQuery();
    }

    public static long Scalar(this SqliteConnection connection, SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var statement = Prepare(connection, tx, sql, parameters);
        return Convert.ToInt64(statement.Command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static List<T> Query<T>(this SqliteConnection connection, SqliteTransaction? tx, string sql, Func<SqliteDataReader, T> map, params (string, object?)[] parameters)
    {
        using var statement = Prepare(connection, tx, sql, parameters);
        using var reader = statement.Command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }

    public static T? QuerySingle<T>(this SqliteConnection connection, SqliteTransaction? tx, string sql, Func<SqliteDataReader, T> map, params (string, object?)[] parameters)
        where T : class
    {
        using var statement = Prepare(connection, tx, sql, parameters);
        using var reader = statement.Command.ExecuteReader();
        return reader.Read() ? map(reader) : null;
    }

    /// <summary>
    /// Keeps the prepared statements of a long-lived connection (the writer) for reuse: compiling the SQL
    /// again on every execution cost about as much as running it.
    /// </summary>
    public static void CacheStatements(SqliteConnection connection) => Cached.Add(connection, []);

    public static void ReleaseStatements(SqliteConnection connection)
    {
        if (!Cached.TryGetValue(connection, out var cache)) return;
        foreach (var command in cache.Values) command.Dispose();
        Cached.Remove(connection);
    }

    private const int MaxCachedStatements = 256;
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Cached = new();

    private static Statement Prepare(SqliteConnection connection, SqliteTransaction? tx, string sql, (string Name, object? Value)[] parameters)
    {
        var cache = Cached.TryGetValue(connection, out var c) ? c : null;
        if (cache?.TryGetValue(sql, out var cached) != true)
        {
            cached = connection.CreateCommand();
            cached.CommandText = sql;
            if (cache is { Count: < MaxCachedStatements }) cache[sql] = cached;
            else cache = null;
        }
        cached!.Transaction = tx;
        cached.Parameters.Clear();
        foreach (var (name, value) in parameters) cached.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return new Statement(cached, Owned: cache is null);
    }

    private readonly record struct Statement(SqliteCommand Command, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned) Command.Dispose();
        }
    }

    public static string? NullableString(this SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static long ToUnixMs(this DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(this SqliteDataReader r, int i) => DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));

    /// <summary>A LIKE pattern matching <paramref name="text"/> anywhere, its wildcards taken literally (use ESCAPE '\').</summary>
    public static string Contains(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    /// <summary>"IN (...)" for a list of ids, as parameters.</summary>
    public static (string Clause, (string, object?)[] Parameters) InList(IEnumerable<long> ids, string prefix = "$id")
    {
        var list = ids.Distinct().ToArray();
        var names = list.Select((_, i) => $"{prefix}{i}").ToArray();
        return ($"({string.Join(',', names)})", [.. names.Zip(list, (n, v) => (n, (object?)v))]);
    }
}
