using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Protocol;
using Penguin.Server.Admin;

namespace Penguin.Server.Tests;

/// <summary>
/// A session that ends anywhere — evicted by the session cap, disabled or revoked by an administrator in another
/// process — ends its open WebSocket with session.ended (session_revoked) and 4001, and the device goes offline.
/// </summary>
public sealed class SessionEndTests
{
    private static string Invariant(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task AssertRevokedAsync(PenguinConnection connection)
    {
        Assert.Equal("session_revoked", (await connection.WaitForAsync<SessionEnded>()).Code);
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4001, (int?)connection.CloseStatus);
    }

    [Fact]
    public async Task SessionEvictedByTheCap_EndsItsConnectionAtOnce()
    {
        await using var server = await TestServer.StartAsync(o => o.Accounts.MaxSessionsPerAccount = 2);
        await using var alice = await server.RegisterAsync("alice");
        var oldest = await alice.ConnectAsync();
        await oldest.PingAsync(); // answered after the connection has touched its session: it is seen before the second login
        using var second = server.NewClient();
        await second.LoginAsync(alice.Number, User.Password, DeviceKind.Mobile);

        using var third = server.NewClient();
        await third.LoginAsync(alice.Number, User.Password, DeviceKind.Web); // the least recently seen session goes

        await AssertRevokedAsync(oldest);
        await second.GetMeAsync();
        await third.GetMeAsync();
    }

    [Fact]
    public async Task SessionEvictedByAnXmppResource_EndsItsConnectionAtOnce()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Accounts.MaxSessionsPerAccount = 1;
            o.SessionCheckInterval = TimeSpan.FromHours(1); // far away: only the eviction itself can end it
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
        });
        await using var alice = await server.RegisterAsync("alice");
        var native = await alice.ConnectAsync();
        await native.PingAsync();

        await using var xmpp = await Xmpp.XmppTestClient.LoginAsync(server, alice.Number); // a new device session beyond the cap of one

        await AssertRevokedAsync(native);
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("revoke-sessions")]
    [InlineData("reset-password")]
    public async Task AdministratorEndingTheSessions_FromAnotherProcess_EndsTheConnectionAtOnce(string command)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o =>
        {
            o.SessionCheckInterval = TimeSpan.FromHours(1); // far away: only the admin command's signal can end it
            o.HeartbeatTimeout = TimeSpan.FromHours(1);
        }, clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var watcher = await bob.ConnectAsync();
        var live = await alice.ConnectAsync();
        await watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == alice.Number && p.Presence.Status == PresenceStatus.Online);
        var offline = watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == alice.Number && p.Presence.Status == PresenceStatus.Offline);

        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await AdminCommand.RunAsync(
            [$"--Penguin:DataDirectory={server.DataDirectory}", "--Penguin:Accounts:PasswordIterations=1000", command, Invariant(alice.Number)],
            output, error, new StringReader("")));
        await live.PingAsync(); // the node has not heard of it yet
        clock.Advance(TimeSpan.FromSeconds(1)); // the node reads the signal once a second

        await AssertRevokedAsync(live);
        await offline;
        await watcher.PingAsync(); // bob's session is untouched
    }
}
