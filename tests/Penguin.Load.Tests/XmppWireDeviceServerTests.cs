using System.Globalization;
using Penguin.Load.Measurement;
using Penguin.Load.Net;
using Penguin.Load.Scenarios;
using Penguin.Server.Features.Xmpp;
using Penguin.Testing;

namespace Penguin.Load.Tests;

/// <summary>The lean XMPP device against Penguin's real XMPP port: SCRAM-SHA-1 on plaintext loopback, a chat message accounted at the recipient.</summary>
public sealed class XmppWireDeviceServerTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.Xmpp.Enabled = true;
        o.Xmpp.Port = 0;
        o.Xmpp.AllowPlaintextOnLoopback = true;
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Sender_MessagesToAFriend_EachArrivesOnceWithItsClientIdAndFreesTheWindow()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        using var network = new LoopbackNetwork(new SourceAddressPool(2));
        var endpoint = _server.Services.XmppEndPoint()!;
        string Name(User u) => u.Number.ToString(CultureInfo.InvariantCulture);
        await using var sending = await XmppWireDevice.ConnectAsync(network, endpoint, "localhost", Name(alice), User.Password, "load", register: false, CancellationToken.None);
        await using var receiving = await XmppWireDevice.ConnectAsync(network, endpoint, "localhost", Name(bob), User.Password, "load", register: false, CancellationToken.None);
        Assert.Equal($"{bob.Number}@localhost/load", receiving.Jid);

        var ledger = new MessageLedger(1);
        var deliver = new OperationStats("deliver", measured: true, new TimeSeries());
        var sender = new XmppSender(sending, 0, $"{bob.Number}@localhost", ledger, window: 2, rate: 5);
        receiving.Events = new XmppRecipient(ledger, deliver, sender);
        sender.Start(); // paced: nothing is allowed yet
        Assert.Equal(0, ledger.Sent);
        for (var i = 0; i < 5; i++) sender.Allow(); // window 2: two now, the rest as deliveries free it
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (ledger.Received < 5 && waiting.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
        sender.Stop();

        Assert.Equal(5, ledger.Sent);
        Assert.Equal(5, ledger.Received);
        Assert.Equal(0, ledger.Duplicates);
        Assert.Equal(0, ledger.Unknown);
        Assert.Equal(5, deliver.Succeeded);
        Assert.False(sending.Completion.IsCompleted);
        Assert.Null(receiving.Error);
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_RefusedWithTheSaslFailure()
    {
        await using var alice = await _server.RegisterAsync("alice");
        using var network = new LoopbackNetwork(new SourceAddressPool(2));

        var e = await Assert.ThrowsAnyAsync<IOException>(() => XmppWireDevice.ConnectAsync(network, _server.Services.XmppEndPoint()!, "localhost",
            alice.Number.ToString(CultureInfo.InvariantCulture), "not the password", "load", register: false, CancellationToken.None));

        Assert.Contains("failure", e.Message, StringComparison.Ordinal);
    }
}
