using Penguin.Server.Hosting;
using Xunit;

namespace Penguin.Testing;

/// <summary>
/// One shared server per test class on a PostgreSQL database of its own; nothing is started when PostgreSQL is not
/// configured (the class's tests then skip, see <see cref="RequiresPostgresAttribute"/>).
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private PostgresTestDatabase? _database;

    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (TestServices.Postgres is null) return;
        _database = await PostgresTestDatabase.CreateAsync();
        Server = await TestServer.StartAsync(options =>
        {
            options.Storage = StorageEngine.Postgres;
            options.Postgres.ConnectionString = _database.ConnectionString;
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
