using Microsoft.AspNetCore.Builder;
using Penguin.Server.Hosting;

namespace Penguin.Cli.Tests;

/// <summary>The real server on a free loopback port with its own temporary data directory.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private TestServer(WebApplication app, string directory, string url)
    {
        _app = app;
        _directory = directory;
        Url = url;
    }

    public string Url { get; }

    public static async Task<TestServer> StartAsync(Action<ServerOptions>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("penguin-cli-server-").FullName;
        var app = PenguinServer.Build(["--urls", "http://127.0.0.1:0"], o =>
        {
            o.DataDirectory = directory;
            o.Accounts.PasswordIterations = 1000;
            o.Accounts.RegistrationsPerAddress = 10000;
            o.Accounts.LoginFailuresPerAddress = 10000;
            configure?.Invoke(o);
        });
        await app.StartAsync();
        return new TestServer(app, directory, app.Urls.Single());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One server shared by the tests of a class; every test still makes its own users.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
