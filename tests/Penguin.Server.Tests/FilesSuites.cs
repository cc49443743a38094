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
