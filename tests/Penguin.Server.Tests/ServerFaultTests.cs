using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Penguin.Client;
using Penguin.Core.Accounts;
using Penguin.Core.Messaging;
using Penguin.Core.Sync;
using Penguin.Core.Wallet;
using Penguin.Protocol;
using Penguin.Server.Hosting;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Tests;

/// <summary>
/// Faults inside the real server — a bug planted in a store or the event log, a real SQLite error — and what the
/// client and the operator see: an answer in the protocol's shape, one log entry, and no connection left half-dead.
/// </summary>
public sealed class ServerFaultTests
{
    private static InvalidOperationException Planted() => new("planted fault");

    private static async Task<(TestServer Server, Faults Faults, LogCapture Logs)> StartWithFaultsAsync<TService>(Action<ServerOptions>? configure = null)
        where TService : class
    {
        var faults = new Faults();
        var logs = new LogCapture();
        var server = await TestServer.StartAsync(configure, services: s =>
        {
            faults.Inject<TService>(s);
            logs.AddTo(s);
        });
        return (server, faults, logs);
    }

    private static LogCapture.Entry[] PlantedErrors(LogCapture logs) =>
        [.. logs.Entries.Where(e => e.Level >= LogLevel.Error && e.Exception?.Message == "planted fault")];

    /// <summary>Polls a metric until it has <paramref name="value"/>; false if it never does within 30 s.</summary>
    private static async Task<bool> MetricReachesAsync(TestServer server, string name, double value)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await server.MetricAsync(name) == value) return true;
            await Task.Delay(100);
        }
        return false;
    }

    [Fact]
    public async Task Rest_UnexpectedException_AnswersInternalJson_AndIsLoggedOnce()
    {
        var (server, faults, logs) = await StartWithFaultsAsync<IAccountStore>();
        await using var _ = server;
        await using var alice = await server.RegisterAsync("alice");
        faults.Arm(nameof(IAccountStore.GetUserAsync), Planted);

        var error = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.GetMeAsync());

        Assert.Equal(500, error.Status);
        Assert.Equal("internal", error.Error.Code);
        Assert.False(string.IsNullOrEmpty(error.Error.MessageZh));
        var logged = Assert.Single(PlantedErrors(logs));
        Assert.Equal("Penguin.Server.Api", logged.Category);
        Assert.DoesNotContain("planted", error.Error.Message, StringComparison.Ordinal); // the details stay in the log
        faults.Disarm();
        Assert.Equal("alice", (await alice.Rest.GetMeAsync()).Profile.Nickname);
    }

    [Fact]
    public async Task Frame_UnexpectedException_AnswersInternal_IsLoggedOnce_AndTheConnectionServesOn()
    {
        var (server, faults, logs) = await StartWithFaultsAsync<IMessageStore>();
        await using var _ = server;
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var live = await alice.ConnectAsync();
        faults.Arm(nameof(IMessageStore.SendIfAcceptedAsync), Planted);

        var error = await Assert.ThrowsAsync<PenguinException>(() => live.SendTextAsync(bob.Number, "hello"));

        Assert.Equal("internal", error.Error.Code);
        Assert.Single(PlantedErrors(logs));
        faults.Disarm();
        await live.SendTextAsync(bob.Number, "hello again");
    }

    [Fact]
    public async Task GapFill_UnexpectedException_EndsTheConnectionWithInternal_TheUserGoesOffline_AndTheGaugeReturns()
    {
        var (server, faults, logs) = await StartWithFaultsAsync<IEventLog>();
        await using var _ = server;
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var watcher = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        await watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == bob.Number && p.Presence.Status == PresenceStatus.Online);
        Assert.Equal(2, await server.MetricAsync("penguin_connections_open"));
        var offline = watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == bob.Number && p.Presence.Status == PresenceStatus.Offline);
        await bobLive.PingAsync(); // its first catch-up, queued before the pong, is done: only the sync below reads the log
        faults.Arm(nameof(IEventLog.ReadAsync), Planted);

        // Reading the log (a sync, as a gap fill does) fails on the connection's send loop.
        var error = await Assert.ThrowsAsync<PenguinException>(() => bobLive.SyncAsync(0));

        Assert.Equal("internal", error.Error.Code);
        await bobLive.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1011, (int?)bobLive.CloseStatus);
        await offline;
        Assert.True(await MetricReachesAsync(server, "penguin_connections_open", 1));
        Assert.Single(PlantedErrors(logs));
        faults.Disarm();
        await watcher.PingAsync();
        var again = await bob.ConnectAsync();
        await again.PingAsync();
    }

    [Fact]
    public async Task AckFlush_UnexpectedException_IsLoggedOnce_AndTheNextAckStillDelivers()
    {
        var (server, faults, logs) = await StartWithFaultsAsync<IMessageStore>();
        await using var _ = server;
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var sent = (await aliceLive.SendTextAsync(bob.Number, "one")).Message;
        await bobLive.WaitForAsync<MessageReceived>(m => m.Message.Id == sent.Id);
        faults.Arm(nameof(IMessageStore.AcknowledgeAsync), Planted);

        await bobLive.AcknowledgeAsync(); // no request waits for the flush that fails
        for (var i = 0; i < 300 && PlantedErrors(logs).Length == 0; i++) await Task.Delay(50);
        faults.Disarm();
        await bobLive.AcknowledgeAsync();

        await aliceLive.WaitForAsync<MessageReceipt>(r => r.Peer == bob.Number && r.DeliveredSeq >= sent.Seq);
        Assert.Single(PlantedErrors(logs));
    }

    [Fact]
    public async Task WalletSweep_UnexpectedException_IsLogged_AndTheNodeServesAndSweepsOn()
    {
        // A BackgroundService that throws stops the whole host: one bug in a sweep took every user offline.
        var (server, faults, logs) = await StartWithFaultsAsync<IWalletStore>(o => o.Wallet.SweepInterval = TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        await using var alice = await server.RegisterAsync("alice");
        faults.Arm(nameof(IWalletStore.ExpiredTransfersAsync), Planted);

        for (var i = 0; i < 300 && PlantedErrors(logs).Length < 3; i++) await Task.Delay(50);

        Assert.True(PlantedErrors(logs).Length >= 3, "the sweep runs again after it failed");
        Assert.All(PlantedErrors(logs), e => Assert.Equal("Penguin.Server.Features.Wallet.WalletSweeper", e.Category));
        Assert.Equal("alice", (await alice.Rest.GetMeAsync()).Profile.Nickname);
    }

    [Fact]
    public async Task GapFill_StorageUnavailable_EndsTheConnectionWith1013_ToRetryLater()
    {
        var (server, faults, logs) = await StartWithFaultsAsync<IEventLog>();
        await using var _ = server;
        await using var bob = await server.RegisterAsync("bob");
        var bobLive = await bob.ConnectAsync();
        await bobLive.PingAsync(); // its first catch-up, queued before the pong, is done: only the sync below reads the log
        faults.Arm(nameof(IEventLog.ReadAsync), () => new Penguin.Core.Common.StorageUnavailableException("down", Planted()));

        var error = await Assert.ThrowsAsync<PenguinException>(() => bobLive.SyncAsync(0));

        Assert.Equal("unavailable", error.Error.Code);
        await bobLive.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1013, (int?)bobLive.CloseStatus);
        Assert.True(await MetricReachesAsync(server, "penguin_connections_open", 0));
        Assert.Empty(PlantedErrors(logs)); // an outage is not a bug
    }

    /// <summary>
    /// A real SQLITE_FULL from the engine (the database may not grow: max_page_count on the writer connection):
    /// a send is answered "unavailable" and the connection stays; REST answers 503 in the protocol's shape.
    /// </summary>
    [Fact]
    public async Task SqliteDiskFull_IsUnavailable_OnWebSocketAndRest_AndWritesWorkAgainAfterwards()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var live = await alice.ConnectAsync();
        var database = server.Services.GetRequiredService<SqliteDatabase>();
        await database.WriteAsync((connection, tx) => Pragma(connection, tx, "PRAGMA max_page_count = 1"));
        var text = new string('满', Limits.MessageMaxLength);

        PenguinException? wsError = null;
        for (var i = 0; i < 200 && wsError is null; i++)
        {
            try { await live.SendTextAsync(bob.Number, text); }
            catch (PenguinException e) { wsError = e; }
        }
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new("Bearer", alice.Rest.Token);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 500 && refused is null; i++)
        {
            var response = await http.PatchAsync(new Uri("api/v1/me/profile", UriKind.Relative),
                new StringContent($"{{\"signature\":\"{i} {new string('签', 70)}\"}}", System.Text.Encoding.UTF8, "application/json"));
            if (response.StatusCode != HttpStatusCode.OK) refused = response;
            else response.Dispose();
        }

        Assert.Equal("unavailable", wsError?.Error.Code);
        await live.PingAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused?.StatusCode);
        Assert.Contains("\"code\":\"unavailable\"", await refused!.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await database.WriteAsync((connection, tx) => Pragma(connection, tx, "PRAGMA max_page_count = 1073741823"));
        await live.SendTextAsync(bob.Number, text);
        refused.Dispose();
    }

    private static long Pragma(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Nothing a user typed — message text, a search, a friend request, a profile — reaches the log, at any level.</summary>
    [Fact]
    public async Task UserText_NeverReachesTheLog_AtAnyLevel()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(services: logs.AddTo);
        const string Secret = "xyzzy秘密口令";
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.Rest.SendFriendRequestAsync(bob.Number, "request " + Secret);
        await alice.BefriendAsync(bob);
        var live = await alice.ConnectAsync();
        await bob.ConnectAsync();

        await live.SendTextAsync(bob.Number, "message " + Secret);
        await live.SetTypingAsync(bob.Number, true);
        await alice.Rest.SearchMessagesAsync(Secret[..6]);
        await alice.Rest.SearchMessagesAsync(Secret);
        await alice.Rest.SearchAsync(Secret[..5]);
        await alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Signature: "sig " + Secret));
        await live.SendRawAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"op\":\"msg.send\",\"id\":9,\"to\":\"{Secret}\"}}"));
        await Assert.ThrowsAsync<PenguinException>(() => live.SendTextAsync(bob.Number, Secret + new string('长', Limits.MessageMaxLength)));
        await live.PingAsync();

        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Debug && e.Category.StartsWith("Penguin", StringComparison.Ordinal)); // the capture hears Debug
        Assert.DoesNotContain(logs.Lines, l => l.Contains("xyzzy", StringComparison.Ordinal) || l.Contains("秘密", StringComparison.Ordinal));
    }
}
