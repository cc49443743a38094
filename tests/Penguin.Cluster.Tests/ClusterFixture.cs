using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Penguin.Bus.RabbitMq;
using Penguin.Client;
using Penguin.Core.Bus;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Cluster.Tests;

/// <summary>
/// Three real server nodes on 127.0.0.1, each on its own port, sharing one fresh PostgreSQL database and the
/// RabbitMQ broker: the cluster mode of docs/operations.md, in one process. A node can be killed and restarted on
/// the same port. Each test class gets its own cluster and database; each test makes its own users.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int NodeCount = 3;

    /// <summary>Short, so a crashed node's devices go offline within a test's patience.</summary>
    public static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(3);

    private readonly WebApplication?[] _apps = new WebApplication?[NodeCount];
    private readonly Uri[] _uris = new Uri[NodeCount];
    private readonly string[] _nodeIds = new string[NodeCount];
    private readonly string _database = $"penguin_cluster_{Guid.NewGuid():N}";
    private string _connectionString = "";

    /// <summary>The file directory every node shares (docs/operations.md, "Cluster nodes"), as a network file system would be.</summary>
    public string FilesDirectory { get; } = Path.Combine(Path.GetTempPath(), "penguin-cluster-tests", $"files-{Guid.NewGuid():N}");

    public Uri NodeUri(int node) => _uris[node];

    /// <summary>A running node's services, for what a test sets up without the API (money into a wallet, an audit).</summary>
    public IServiceProvider NodeServices(int node) => _apps[node]?.Services ?? throw new InvalidOperationException($"Node {node} is not running.");

    public async ValueTask InitializeAsync()
    {
        if (Services.SkipReason is not null) return;
        // DDL takes no parameters; the name is ours (hex digits), never input.
        await AdminAsync($"CREATE DATABASE {_database} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'");
        _connectionString = new NpgsqlConnectionStringBuilder(Services.Postgres) { Database = _database }.ConnectionString;
        for (var node = 0; node < NodeCount; node++) await StartNodeAsync(node);
    }

    /// <summary>Starts a node (again), on its earlier port if it had one.</summary>
    public async Task StartNodeAsync(int node)
    {
        var url = _uris[node]?.ToString().TrimEnd('/') ?? "http://127.0.0.1:0";
        _nodeIds[node] = $"test{node}-{Guid.NewGuid().ToString("N")[..8]}";
        var app = BuildNode(url, _nodeIds[node]);
        await app.StartAsync();
        _apps[node] = app;
        _uris[node] = new Uri(app.Urls.First() + "/");
    }

    /// <summary>The NodeId the running <paramref name="node"/> was started with.</summary>
    public string NodeId(int node) => _nodeIds[node];

    /// <summary>Starts one more node of this cluster under <paramref name="nodeId"/> on a free port; the caller disposes it.</summary>
    public async Task<WebApplication> StartExtraNodeAsync(string nodeId)
    {
        var app = BuildNode("http://127.0.0.1:0", nodeId);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private WebApplication BuildNode(string url, string nodeId) =>
        PenguinServer.Build(["--urls", url, "--Logging:LogLevel:Default=Warning"], options =>
        {
            options.Storage = StorageEngine.Postgres;
            options.Postgres.ConnectionString = _connectionString;
            options.Bus = BusEngine.RabbitMq;
            options.RabbitMq.Uri = Services.RabbitMq;
            options.NodeId = nodeId;
            options.PresenceTtl = PresenceTtl;
            options.DataDirectory = Path.Combine(Path.GetTempPath(), "penguin-cluster-tests", Guid.NewGuid().ToString("N"));
            options.Files.Directory = FilesDirectory;
            options.Accounts.PasswordIterations = 1_000; // tests need not pay for production-strength hashing
            options.Accounts.RegistrationsPerAddress = 100_000;
            options.Messaging.SendsPerSecond = 1_000;
            options.HeartbeatTimeout = TimeSpan.FromSeconds(30);
            options.HeartbeatSweepInterval = TimeSpan.FromMilliseconds(200);
        });

    /// <summary>Ends a node without a graceful stop: its sockets drop, nothing is drained.</summary>
    public async Task KillNodeAsync(int node)
    {
        if (_apps[node] is not { } app) return;
        _apps[node] = null;
        await app.DisposeAsync();
    }

    /// <summary>Whether every running node is connected to the broker (it reconnects by itself after an outage).</summary>
    public bool AllConnectedToBroker() =>
        _apps.All(app => app is null || app.Services.GetRequiredService<IEventBus>() is RabbitMqEventBus { IsConnected: true });

    /// <summary>Registers a user through <paramref name="node"/>.</summary>
    public async Task<ClusterUser> RegisterAsync(string nickname, int node = 0)
    {
        using var client = new PenguinClient(NodeUri(node));
        return new ClusterUser(this, await client.RegisterAsync(nickname, ClusterUser.Password), nickname);
    }

    public async ValueTask DisposeAsync()
    {
        if (Services.SkipReason is not null) return;
        foreach (var app in _apps.OfType<WebApplication>())
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Services.Postgres);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>A persona: one account whose devices may each be logged in through, and connected to, any node.</summary>
public sealed class ClusterUser(ClusterFixture cluster, long number, string nickname) : IAsyncDisposable
{
    public const string Password = "correct horse battery";
    private readonly List<Device> _devices = [];

    public long Number { get; } = number;

    public string Nickname { get; } = nickname;

    /// <summary>Logs a device in through <paramref name="node"/> (its REST calls go there) without connecting it.</summary>
    public async Task<Device> LoginAsync(int node, DeviceKind kind = DeviceKind.Pc)
    {
        var client = new PenguinClient(cluster.NodeUri(node));
        await client.LoginAsync(Number, Password, kind);
        var device = new Device(cluster, client);
        _devices.Add(device);
        return device;
    }

    /// <summary>Logs a device in through <paramref name="node"/> and connects it there.</summary>
    public async Task<Device> ConnectAsync(int node, DeviceKind kind = DeviceKind.Pc, PresenceStatus? status = null)
    {
        var device = await LoginAsync(node, kind);
        await device.ConnectAsync(node, status);
        return device;
    }

    /// <summary>Makes this user and <paramref name="other"/> friends, each side talking to its own node.</summary>
    public async Task BefriendAsync(ClusterUser other, int myNode = 0, int otherNode = 1)
    {
        var me = await LoginAsync(myNode);
        var them = await other.LoginAsync(otherNode);
        var outcome = await me.Rest.SendFriendRequestAsync(other.Number, "hi");
        if (outcome.State == FriendRequestState.Pending) await them.Rest.AcceptFriendRequestAsync(outcome.Request.Id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices) await device.DisposeAsync();
    }
}

/// <summary>One logged-in device: a REST client bound to the node it logged in through, and its live connection, wherever it is.</summary>
public sealed class Device(ClusterFixture cluster, PenguinClient rest) : IAsyncDisposable
{
    private readonly List<PenguinConnection> _connections = [];

    public PenguinClient Rest { get; } = rest;

    public PenguinConnection Live { get; private set; } = null!;

    /// <summary>Connects the device's session to <paramref name="node"/>, resuming after <paramref name="since"/> when given.</summary>
    public async Task<PenguinConnection> ConnectAsync(int node, PresenceStatus? status = null, long? since = null)
    {
        using var client = new PenguinClient(cluster.NodeUri(node)) { Token = Rest.Token };
        Live = await client.ConnectAsync(since, status);
        _connections.Add(Live);
        return Live;
    }

    /// <summary>Reconnects to <paramref name="node"/> with the same token and the last seq received, as a client does after losing its node.</summary>
    public Task<PenguinConnection> ReconnectAsync(int node) => ConnectAsync(node, since: Live.LastSeq);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        Rest.Dispose();
    }
}
