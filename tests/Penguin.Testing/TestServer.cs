using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Client;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Testing;

/// <summary>
/// The real server on 127.0.0.1 with a free port and its own data directory, talked to over real
/// sockets. Restart keeps the data directory, as a process restart would.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly Action<ServerOptions>? _configure;
    private readonly TimeProvider? _time;
    private readonly string[] _addresses;
    private readonly Action<IServiceCollection>? _services;
    private WebApplication _app = null!;

    private TestServer(Action<ServerOptions>? configure, TimeProvider? time, string[] addresses, Action<IServiceCollection>? services)
    {
        _configure = configure;
        _time = time;
        _addresses = addresses;
        _services = services;
    }


    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Every address the server listens on (one per requested loopback address).</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>The base address without the trailing slash, as a user would type it.</summary>
    public string Url => BaseUri.ToString().TrimEnd('/');

    /// <param name="configure">Changes to the test defaults.</param>
    /// <param name="time">The server's clock (a FakeTimeProvider for virtual time); the real one when null.</param>
    /// <param name="addresses">Loopback addresses to listen on, each with a free port (the first is <see cref="BaseUri"/>).</param>
    /// <param name="services">Replacements registered after the server's own (a <see cref="Faults"/> store, a <see cref="LogCapture"/>).</param>
    public static async Task<TestServer> StartAsync(Action<ServerOptions>? configure = null, TimeProvider? time = null, string[]? addresses = null,
        Action<IServiceCollection>? services = null)
    {
        var server = new TestServer(configure, time, addresses ?? ["127.0.0.1"], services);
        await server.StartAppAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StartAppAsync();
    }

    private async Task StartAppAsync()
    {
        // Reuse the port across a restart so clients reconnect to the same address.
        var url = Urls.Count > 0 ? string.Join(';', Urls) : string.Join(';', _addresses.Select(a => $"http://{a}:0"));
        _app = PenguinServer.Build(["--urls", url, "--Logging:LogLevel:Default=Warning"], options =>
        {
            options.DataDirectory = DataDirectory;
            options.Accounts.PasswordIterations = 1_000; // tests need not pay for production-strength hashing
            options.Accounts.RegistrationsPerAddress = 100_000;
            options.Accounts.LoginFailuresPerAddress = 10_000;
            options.Messaging.SendsPerSecond = 1_000;
            options.HeartbeatTimeout = TimeSpan.FromSeconds(30);
            options.HeartbeatSweepInterval = TimeSpan.FromMilliseconds(200);
            _configure?.Invoke(options);
        }, services =>
        {
            if (_time is not null) services.AddSingleton(_time);
            _services?.Invoke(services);
        });
        await _app.StartAsync();
        Urls = [.. _app.Urls];
        BaseUri = new Uri(_app.Urls.First(u => u.Contains(_addresses[0], StringComparison.Ordinal)) + "/");
    }

    /// <summary>The running node's services (where a protocol listener bound its port; a store or the database in a fault test).</summary>
    public IServiceProvider Services => _app.Services;

    public PenguinClient NewClient() => new(BaseUri);

    /// <summary>Reads one value from /metrics.</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var http = new HttpClient { BaseAddress = BaseUri };
        var line = (await http.GetStringAsync(new Uri("metrics", UriKind.Relative))).Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Registers a user and logs in one device.</summary>
    public async Task<User> RegisterAsync(string nickname, DeviceKind device = DeviceKind.Pc)
    {
        var client = NewClient();
        var number = await client.RegisterAsync(nickname, User.Password);
        await client.LoginAsync(number, User.Password, device);
        return new User(this, number, nickname, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A persona in a test: one account with a logged-in REST client and any number of devices.</summary>
public sealed class User(TestServer server, long number, string nickname, PenguinClient rest) : IAsyncDisposable
{
    public const string Password = "correct horse battery";
    private readonly List<PenguinConnection> _connections = [];
    private readonly List<PenguinClient> _clients = [rest];

    public long Number { get; } = number;
    public string Nickname { get; } = nickname;
    public PenguinClient Rest { get; } = rest;

    /// <summary>Connects the REST client's own device.</summary>
    public async Task<PenguinConnection> ConnectAsync(long? since = null, PresenceStatus? status = null)
    {
        var connection = await Rest.ConnectAsync(since, status);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Logs in another device and connects it.</summary>
    public async Task<(PenguinClient Client, PenguinConnection Connection)> AddDeviceAsync(DeviceKind device, PresenceStatus? status = null)
    {
        var client = server.NewClient();
        await client.LoginAsync(Number, Password, device);
        _clients.Add(client);
        var connection = await client.ConnectAsync(status: status);
        _connections.Add(connection);
        return (client, connection);
    }

    /// <summary>Makes this user and <paramref name="other"/> friends through a request and its acceptance.</summary>
    public async Task BefriendAsync(User other)
    {
        var outcome = await Rest.SendFriendRequestAsync(other.Number, "hi");
        if (outcome.State == FriendRequestState.Pending)
            await other.Rest.AcceptFriendRequestAsync(outcome.Request.Id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _connections) await c.DisposeAsync();
        foreach (var c in _clients) c.Dispose();
    }
}
