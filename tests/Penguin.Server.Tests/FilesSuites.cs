using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

// The files contract, run once per storage engine.

public sealed class FilesTests(ServerFixture fixture) : FilesContract, IClassFixture<ServerFixture>
{
    protected override TestServer Server => fixture.Server;
}

[RequiresPostgres]
public sealed class PostgresFilesTests(PostgresServerFixture fixture) : FilesContract, IClassFixture<PostgresServerFixture>
{
    protected override TestServer Server => fixture.Server;
}

public sealed class FileLimitsTests : FileLimitsContract
{
    protected override Task<TestServer> StartServerAsync(Action<ServerOptions>? configure = null, TimeProvider? time = null) =>
        TestServer.StartAsync(configure, time);
}

[RequiresPostgres]
public sealed class PostgresFileLimitsTests : FileLimitsContract, IAsyncDisposable
{
    private readonly List<PostgresTestDatabase> _databases = [];

    protected override async Task<TestServer> StartServerAsync(Action<ServerOptions>? configure = null, TimeProvider? time = null)
    {
        var database = await PostgresTestDatabase.CreateAsync();
        _databases.Add(database);
        return await TestServer.StartAsync(options =>
        {
            options.Storage = StorageEngine.Postgres;
            options.Postgres.ConnectionString = database.ConnectionString;
            configure?.Invoke(options);
        }, time);
    }

    // The test's server is disposed by the test itself (await using); its database goes after it.
    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases) await database.DisposeAsync();
    }
}
