using Penguin.Client;
using Penguin.Load.Net;
using Penguin.Testing;

namespace Penguin.Load.Tests;

/// <summary>The lean device against the real server: what it sends is read, not answered bad_json.</summary>
public sealed class WireDeviceServerTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AcknowledgeIfDue_AfterAMessage_ServerAcceptsTheAckWithoutAnError()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        using var network = new LoopbackNetwork(new SourceAddressPool(2));
        await using var device = await WireDevice.ConnectAsync(network, PenguinClient.WebSocketUri(new Uri(_server.Url)), bob.Number, bob.Rest.Token!, CancellationToken.None);
        var aliceConnection = await alice.ConnectAsync();
        await aliceConnection.SendTextAsync(bob.Number, "你好 hello");
        await device.SyncAsync(0, CancellationToken.None); // the message (and its seq) has reached the device
        Assert.True(device.LastSeq > 0);

        device.AcknowledgeIfDue();
        await device.SyncAsync(device.LastSeq, CancellationToken.None); // answered after the ack: the ack has been read

        Assert.Equal(1, device.AcksSent);
        Assert.Equal(0, device.UnansweredErrors);
        Assert.Null(device.FirstUnansweredError);
    }

    [Fact]
    public async Task AutoAcknowledge_MessageArrives_OneAckGoesOutAtTheReactorsTick()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        using var network = new LoopbackNetwork(new SourceAddressPool(2));
        await using var device = await WireDevice.ConnectAsync(network, PenguinClient.WebSocketUri(new Uri(_server.Url)), bob.Number, bob.Rest.Token!, CancellationToken.None);
        device.AutoAcknowledge = true;
        var aliceConnection = await alice.ConnectAsync();

        await aliceConnection.SendTextAsync(bob.Number, "一 one");
        await aliceConnection.SendTextAsync(bob.Number, "二 two");
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (device.AcksSent == 0 && waiting.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
        await device.SyncAsync(device.LastSeq, CancellationToken.None); // answered after the ack: the ack has been read

        Assert.InRange(device.AcksSent, 1, 2); // one per tick with news, not one per message read on its own
        Assert.Equal(0, device.UnansweredErrors);
        device.AcknowledgeIfDue();
        Assert.InRange(device.AcksSent, 1, 2); // nothing new arrived: nothing more to acknowledge
    }

    [Fact]
    public async Task UnansweredErrors_MalformedAck_CountedAsBadJson()
    {
        await using var bob = await _server.RegisterAsync("bob");
        using var network = new LoopbackNetwork(new SourceAddressPool(2));
        await using var device = await WireDevice.ConnectAsync(network, PenguinClient.WebSocketUri(new Uri(_server.Url)), bob.Number, bob.Rest.Token!, CancellationToken.None);

        lock (device.SendLock)
        {
            device.AppendFrame("{\"op\":\"ack\",\"seq\"123}"u8); // the frame the tool once sent: the colon cut off
            device.Flush();
        }
        await device.SyncAsync(0, CancellationToken.None);

        Assert.Equal(1, device.UnansweredErrors);
        Assert.Equal("bad_json", device.FirstUnansweredError);
    }
}
