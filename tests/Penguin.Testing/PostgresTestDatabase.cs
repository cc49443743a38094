using Npgsql;

namespace Penguin.Testing;

/// <summary>
/// A database of its own on the test PostgreSQL (<c>PENGUIN_TEST_POSTGRES</c>, a role that may CREATE DATABASE):
/// uniquely named, UTF-8 whatever the machine's locale, and dropped when disposed, so classes and runs are independent.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private PostgresTestDatabase(string name, string connectionString) => (Name, ConnectionString) = (name, connectionString);

    public string Name { get; }

    /// <summary>The database's connection string, with a bounded pool (classes run in parallel against one server).</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync(int maxPoolSize = 20)
    {
        var admin = TestServices.Postgres ?? throw new InvalidOperationException($"{TestServices.PostgresVariable} is not set.");
        var name = $"penguin_test_{Guid.NewGuid():N}";
        // DDL takes no parameters; the name is ours (hex digits), never input.
        await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'");
        return new PostgresTestDatabase(name, new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = maxPoolSize }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(TestServices.Postgres!, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
