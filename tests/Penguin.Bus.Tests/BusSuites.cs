using Microsoft.Extensions.Logging.Abstractions;
using Penguin.Bus.RabbitMq;
using System.Text;
using Penguin.Core.Bus;

namespace Penguin.Bus.Tests;

// The bus contract, run once per implementation.

public sealed class InProcessBusTests : BusContract
{
    protected override bool Available => true;

    protected override bool HasNodes => false;

    protected override IEventBus CreateBus(string nodeId) => new InProcessEventBus();
}

[RequiresRabbitMq]
public sealed class RabbitMqBusTests : BusContract
{
    protected override bool Available => RabbitMqBroker.Uri is not null;

    protected override bool HasNodes => true;

    // Nodes count each other every 50 ms here (250 ms in production), so a joining node waits 0.5 s, not 2.5 s.
    protected override IEventBus CreateBus(string nodeId) =>
        new RabbitMqEventBus(new RabbitMqBusOptions(RabbitMqBroker.Uri!, nodeId) { NodeCountInterval = TimeSpan.FromMilliseconds(50) },
            NullLogger<RabbitMqEventBus>.Instance);

    // The production interval: a count stays trusted for 1 s, which a stall of this loaded machine will not outlast.
    private static RabbitMqEventBus CreateBus(string nodeId, string exchange, bool nodeLink = true) =>
        new(new RabbitMqBusOptions(RabbitMqBroker.Uri!, nodeId) { Exchange = exchange, NodeLink = nodeLink ? new(System.Net.IPAddress.Loopback, 0) : null },
            NullLogger<RabbitMqEventBus>.Instance);

    [RabbitMqFact]
    public async Task ALoneNode_DeliversLocallyAndPublishesNothing_UntilASecondNodeJoins()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}"; // a bus of its own: no other test's node is counted
        var user = NewUser();
        var aTarget = new RecordingTarget();
        await using var a = CreateBus("alone-a", exchange);
        await a.StartAsync(aTarget, CancellationToken.None);
        await a.WatchAsync(user);
        await Until(() => a.IsAlone);

        await a.PublishAsync(user, Frame("local", seq: 1));
        Assert.Equal([1L], aTarget.For(user).Select(d => d.Seq)); // handed over at once, by the publisher itself
        await Task.Delay(300);
        Assert.Equal(0, a.MessagesReceived); // nothing went to the broker and came back

        var bTarget = new RecordingTarget();
        await using var b = CreateBus("alone-b", exchange);
        await b.StartAsync(bTarget, CancellationToken.None); // returns once a has had time to count b
        Assert.False(a.IsAlone);
        await b.WatchAsync(user);
        await a.PublishAsync(user, Frame("both", seq: 2));

        Assert.Equal([2L], (await bTarget.WaitForAsync(user)).Select(d => d.Seq));
        Assert.Equal(1, a.MessagesPublished); // through the broker now (to b's key, or by user with a's copy skipped)
        Assert.Equal([1L, 2L], aTarget.For(user).Select(d => d.Seq));

        await b.DisposeAsync();
        await Until(() => a.IsAlone); // counted alone again once b left
        await a.DisposeAsync();
        await DeleteAsync(exchange);
    }

    [RabbitMqFact]
    public async Task Directory_EventsForUsersNoOtherNodeHolds_StayOffTheBroker_UntilAnotherNodeHoldsThem()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}";
        var user = NewUser();
        var aTarget = new RecordingTarget();
        var bTarget = new RecordingTarget();
        await using var a = CreateBus("dir-a", exchange);
        await using var b = CreateBus("dir-b", exchange);
        await a.StartAsync(aTarget, CancellationToken.None);
        await b.StartAsync(bTarget, CancellationToken.None);
        await a.WatchAsync(user);
        await Until(() => a.Directory.IsComplete && b.Directory.IsComplete && !a.IsAlone);

        // Only a holds the user, and nobody holds the stranger: nothing goes to the broker, a's own device still gets it.
        await a.PublishAsync([user, NewUser()], Frame("only here", seq: 1));
        Assert.Equal([1L], aTarget.For(user).Select(d => d.Seq));
        Assert.Equal(0, a.MessagesPublished);

        // Once b's WatchAsync returns, a knows: the very next publish crosses.
        await b.WatchAsync(user);
        await a.PublishAsync(user, Frame("both", seq: 2));
        Assert.Equal([2L], (await bTarget.WaitForAsync(user)).Select(d => d.Seq));
        Assert.Equal(1, a.MessagesPublished);

        // b lets go: a stops publishing once it has heard (Released is not waited for).
        await b.UnwatchAsync(user);
        await Until(() => !a.Directory.MustPublish(user));
        await a.PublishAsync(user, Frame("here again", seq: 3));
        Assert.Equal(1, a.MessagesPublished);
        Assert.Equal([1L, 2L, 3L], aTarget.For(user).Select(d => d.Seq));
        Assert.Equal([2L], bTarget.For(user).Select(d => d.Seq));

        // b leaves with its users: a is alone again and forgets them.
        await b.WatchAsync(user);
        Assert.True(a.Directory.MustPublish(user));
        await b.DisposeAsync();
        await Until(() => !a.Directory.MustPublish(user));
        await a.DisposeAsync();
        await DeleteAsync(exchange);
    }

    [RabbitMqFact]
    public async Task Directory_DeliveriesForAnotherNode_CrossTheBrokerInBatches_WhenThatNodeHasNoLink()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}";
        var (a, b, bTarget, users) = await TwoNodesWithUsersOnBAsync("batch", exchange, bNodeLink: false); // b offers no direct stream
        await using var aScope = a;
        await using var bScope = b;
        await PublishInOrderAsync(a, bTarget, users);

        Assert.Equal(0, a.NodeLinkBatchesSent);
        Assert.True(b.MessagesReceived < 400, $"{b.MessagesReceived} broker messages for 400 deliveries: none were batched");
        await b.DisposeAsync();
        await a.DisposeAsync();
        await DeleteAsync(exchange);
    }

    [RabbitMqFact]
    public async Task Directory_DeliveriesForAnotherNode_GoOnItsDirectStream_InBatches_InPublishOrderPerUser()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}";
        var (a, b, bTarget, users) = await TwoNodesWithUsersOnBAsync("link", exchange, bNodeLink: true);
        await using var aScope = a;
        await using var bScope = b;
        // Each learned the other's address from its Hello or Snapshot (through the broker) and connected.
        await Until(() => a.NodeLinksConnected == 1 && b.NodeLinksConnected == 1);
        await PublishInOrderAsync(a, bTarget, users);

        // Every batch b took came on the stream: none through the broker.
        Assert.Equal(a.NodeLinkBatchesSent, b.MessagesReceived);
        Assert.InRange(b.MessagesReceived, 1, 399);
        await b.DisposeAsync();
        await Until(() => a.NodeLinksConnected == 0); // b said Bye: its link is closed
        await a.DisposeAsync();
        await DeleteAsync(exchange);
    }

    /// <summary>Nodes a and b on a bus of their own, b holding four users, once a's view of the directory is complete.</summary>
    private static async Task<(RabbitMqEventBus A, RabbitMqEventBus B, RecordingTarget BTarget, long[] Users)> TwoNodesWithUsersOnBAsync(
        string name, string exchange, bool bNodeLink)
    {
        var users = Enumerable.Range(0, 4).Select(_ => NewUser()).ToArray();
        var bTarget = new RecordingTarget();
        var a = CreateBus($"{name}-a", exchange);
        var b = CreateBus($"{name}-b", exchange, bNodeLink);
        await a.StartAsync(new RecordingTarget(), CancellationToken.None);
        await b.StartAsync(bTarget, CancellationToken.None);
        foreach (var user in users) await b.WatchAsync(user);
        await Until(() => a.Directory.IsComplete && !a.IsAlone);
        return (a, b, bTarget, users);
    }

    /// <summary>400 publishes at once from a to users of b: each arrives once, and each user's in publish order.</summary>
    private static async Task PublishInOrderAsync(RabbitMqEventBus a, RecordingTarget bTarget, long[] users)
    {
        // 400 publishes at once, to users of b (one of them also named with a user nobody holds).
        await Task.WhenAll(Enumerable.Range(1, 400).Select(i =>
            a.PublishAsync([users[i % users.Length], NewUser()], Frame($"m{i}", seq: i)).AsTask()));

        await bTarget.WaitUntilAsync(t => users.Sum(u => t.For(u).Count) == 400);
        foreach (var user in users)
        {
            var seqs = bTarget.For(user).Select(d => d.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs); // each user's deliveries in the order they were published
            Assert.Equal(100, seqs.Count);
        }
    }

    [RabbitMqFact]
    public async Task Watch_WithANodeThatNeverAnswers_GoesOnAtTheTimeout_AndDisposeReleasesAWaitingWatch()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}";
        await using var a = CreateBus("mute-a", exchange);
        await a.StartAsync(new RecordingTarget(), CancellationToken.None);
        // A node that says it is alive but never applies an announcement (stalled, or broken).
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = RabbitMqBroker.Uri! }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var alive = DirectoryMessage.Encode(DirectoryKind.Alive, Guid.NewGuid(), 0, 0, []);
        using var stop = new CancellationTokenSource();
        var saying = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await channel.BasicPublishAsync(exchange, "_directory", mandatory: false, new RabbitMQ.Client.BasicProperties(), alive);
                await Task.Delay(200);
            }
        });
        await Task.Delay(600); // heard a few times (a counts itself alone: the mute node consumes nothing)

        var waited = System.Diagnostics.Stopwatch.StartNew();
        await a.WatchAsync(NewUser());
        Assert.True(waited.Elapsed >= RabbitMqEventBus.AnnounceTimeout - TimeSpan.FromMilliseconds(100), $"returned after {waited.Elapsed} without the mute node's answer");
        Assert.Equal(1, a.Directory.PendingCount); // still listening for a late answer

        var waiting = a.WatchAsync(NewUser()).AsTask();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        await a.DisposeAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await saying;
        await DeleteAsync(exchange);
    }

    [RabbitMqFact]
    public async Task Directory_ANodeThatJoinsLearnsWhatTheOthersHold_AndTheyLearnWhatItHolds()
    {
        var exchange = $"penguin.test.{Guid.NewGuid():N}";
        var (first, second) = (NewUser(), NewUser());
        var aTarget = new RecordingTarget();
        var bTarget = new RecordingTarget();
        await using var a = CreateBus("join-a", exchange);
        await a.StartAsync(aTarget, CancellationToken.None);
        await a.WatchAsync(first); // alone: held before b exists
        await using var b = CreateBus("join-b", exchange);
        await b.StartAsync(bTarget, CancellationToken.None);
        await b.WatchAsync(second);
        await Until(() => a.Directory.IsComplete && b.Directory.IsComplete && !a.IsAlone && !b.IsAlone);

        // b learned a's user from a's answer to its Hello; a learned b's from b's Held.
        Assert.True(b.Directory.MustPublish(first));
        Assert.True(a.Directory.MustPublish(second));
        await b.PublishAsync(first, Frame("to a", seq: 1));
        await a.PublishAsync(second, Frame("to b", seq: 2));
        Assert.Equal([1L], (await aTarget.WaitForAsync(first)).Select(d => d.Seq));
        Assert.Equal([2L], (await bTarget.WaitForAsync(second)).Select(d => d.Seq));
        Assert.Equal(0, a.Directory.PendingCount);
        Assert.Equal(0, b.Directory.PendingCount);
        await b.DisposeAsync();
        await a.DisposeAsync();
        await DeleteAsync(exchange);
    }

    [RabbitMqFact]
    public async Task Publish_UserWatchedOnlyByNodeB_ReachesBAndNotA()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var user = NewUser();
        await b.Bus.WatchAsync(user);

        await Publisher.PublishAsync(user, Frame("for b", seq: 3));

        Assert.Equal([3L], (await b.Target.WaitForAsync(user)).Select(d => d.Seq));
        await FlushAsync(a);
        Assert.Empty(a.Target.For(user));
    }

    [RabbitMqFact]
    public async Task Publish_UserWatchedByTwoNodes_ReachesBothOnce()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var user = NewUser();
        await a.Bus.WatchAsync(user);
        await b.Bus.WatchAsync(user);

        await a.Bus.PublishAsync(user, Frame("both", seq: 4));

        Assert.Equal([4L], (await b.Target.WaitForAsync(user)).Select(d => d.Seq));
        await FlushAsync(a);
        Assert.Equal([4L], a.Target.For(user).Select(d => d.Seq));
    }
    [RabbitMqFact]
    public async Task Publish_ManyUsersOnANode_CrossesToItOncePerBatch_AndEachUserGetsItOnce()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        // More than one publish's worth of recipients, spread over two nodes, and a few nobody holds.
        var onA = Enumerable.Range(0, 700).Select(_ => NewUser()).ToArray();
        var onB = Enumerable.Range(0, 800).Select(_ => NewUser()).ToArray();
        var strangers = Enumerable.Range(0, 10).Select(_ => NewUser()).ToArray();
        foreach (var user in onA) await a.Bus.WatchAsync(user);
        foreach (var user in onB) await b.Bus.WatchAsync(user);
        var (aBefore, bBefore) = (Received(a), Received(b));

        await Publisher.PublishAsync([.. onA.Zip(onB, (x, y) => new[] { x, y }).SelectMany(p => p), .. onB[700..], .. strangers], Frame("{\"type\":\"group.message\"}", seq: 0));
        await a.Target.WaitUntilAsync(t => onA.All(u => t.For(u).Count == 1));
        await b.Target.WaitUntilAsync(t => onB.All(u => t.For(u).Count == 1));
        await FlushAsync(a);
        await FlushAsync(b);

        // Once the publisher knows where everyone is, one copy per node naming its users; routed by user (while its view
        // may have gaps), 1,510 recipients are two publishes and each node takes two copies. Plus the flush marker.
        Assert.InRange(Received(a) - aBefore, 1 + 1, 2 + 1);
        Assert.InRange(Received(b) - bBefore, 1 + 1, 2 + 1);
        Assert.All(onA.Concat(onB), u => Assert.Equal("{\"type\":\"group.message\"}", Encoding.UTF8.GetString(Assert.Single(a.Target.For(u).Concat(b.Target.For(u))).Frame)));
        Assert.All(strangers, u => Assert.Empty(a.Target.For(u).Concat(b.Target.For(u))));
    }

    [RabbitMqFact]
    public async Task Publish_ToUsersOfOneNodeOnly_DoesNotReachTheOther()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        long[] onB = [NewUser(), NewUser(), NewUser()];
        foreach (var user in onB) await b.Bus.WatchAsync(user);
        var aBefore = Received(a);

        await Publisher.PublishAsync(onB, Frame("only b", seq: 0));
        await b.Target.WaitUntilAsync(t => onB.All(u => t.For(u).Count == 1));
        await FlushAsync(a);

        Assert.Equal(1, Received(a) - aBefore); // the flush marker alone
    }

    [RabbitMqFact]
    public async Task PublishToTopic_ReachesEachOtherSubscribedNodeOnce_AndNotTheUnsubscribed()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var c = await StartNodeAsync("c");
        var topic = NewTopic();
        await a.Bus.SubscribeAsync(topic);
        await b.Bus.SubscribeAsync(topic);
        var sent = new Delivery(Encoding.UTF8.GetBytes("{\"type\":\"room.message\",\"text\":\"大家好\"}"), Seq: 0, OnlySession: 7, EndSession: true);

        await a.Bus.PublishToTopicAsync(topic, sent);

        var received = Assert.Single(await WaitForTopicAsync(b, topic));
        Assert.Equal(sent.Frame, received.Frame);
        Assert.Equal((7L, true), (received.OnlySession, received.EndSession));
        await FlushAsync(a);
        await FlushAsync(c);
        Assert.Empty(a.Target.ForTopic(topic)); // the publisher's own node
        Assert.Empty(c.Target.ForTopic(topic)); // not subscribed
    }

    [RabbitMqFact]
    public async Task Unsubscribe_StopsTopicDelivery_AndSubscribeAgainResumesIt()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var topic = NewTopic();
        await b.Bus.SubscribeAsync(topic);
        await a.Bus.PublishToTopicAsync(topic, Frame("first", seq: 1));
        await WaitForTopicAsync(b, topic);

        await b.Bus.UnsubscribeAsync(topic);
        await a.Bus.PublishToTopicAsync(topic, Frame("second", seq: 2));
        await FlushAsync(b);
        Assert.Equal([1L], b.Target.ForTopic(topic).Select(d => d.Seq));

        await b.Bus.SubscribeAsync(topic);
        await a.Bus.PublishToTopicAsync(topic, Frame("third", seq: 3));
        await b.Target.WaitUntilAsync(t => t.ForTopic(topic).Count == 2);
        Assert.Equal([1L, 3L], b.Target.ForTopic(topic).Select(d => d.Seq));
    }

    [RabbitMqFact]
    public async Task TopicAndUserKeys_DoNotMix()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var user = NewUser();
        var topic = TopicName.Room(user); // the same number inside a topic name
        await b.Bus.WatchAsync(user);

        await a.Bus.PublishToTopicAsync(topic, Frame("room", seq: 1));
        await a.Bus.PublishAsync(user, Frame("user", seq: 2));

        Assert.Equal([2L], (await b.Target.WaitForAsync(user)).Select(d => d.Seq));
        Assert.Empty(b.Target.ForTopic(topic));
    }

    private static async Task<IReadOnlyList<Delivery>> WaitForTopicAsync(Node node, string topic)
    {
        await node.Target.WaitUntilAsync(t => t.ForTopic(topic).Count >= 1);
        return node.Target.ForTopic(topic);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 10_000, "The condition did not hold within 10 s.");
            await Task.Delay(20);
        }
    }

    /// <summary>Removes a test's own exchange and node-count queue from the shared broker.</summary>
    private static async Task DeleteAsync(string exchange)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = RabbitMqBroker.Uri! }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync($"{exchange}.nodes", ifUnused: false, ifEmpty: false);
        await channel.ExchangeDeleteAsync(exchange);
    }

    private static long Received(Node node) => ((RabbitMqEventBus)node.Bus).MessagesReceived;
}

/// <summary>Restarts the shared broker, so it runs alone: no other test of this assembly runs meanwhile.</summary>
[CollectionDefinition(nameof(BrokerFaults), DisableParallelization = true)]
public sealed class BrokerFaults;

[Collection(nameof(BrokerFaults))]
public sealed class RabbitMqRecoveryTests : IAsyncLifetime
{
    private readonly List<RabbitMqEventBus> _buses = [];

    private async Task<(RabbitMqEventBus Bus, RecordingTarget Target)> StartNodeAsync(string name)
    {
        var bus = new RabbitMqEventBus(new RabbitMqBusOptions(RabbitMqBroker.Uri!, $"test-{name}-{Guid.NewGuid():N}") { ReconnectDelay = TimeSpan.FromMilliseconds(250) },
            NullLogger<RabbitMqEventBus>.Instance);
        _buses.Add(bus);
        var target = new RecordingTarget();
        await bus.StartAsync(target, CancellationToken.None);
        return (bus, target);
    }

    [RabbitMqFact]
    public async Task BrokerRestart_NodesReconnectRebindAndResync()
    {
        var (receiver, target) = await StartNodeAsync("receiver");
        var (publisher, _) = await StartNodeAsync("publisher");
        var before = NewUser();
        await receiver.WatchAsync(before);
        var resyncsBefore = target.Resyncs;

        await RabbitMqBroker.CtlAsync("stop_app");
        await WaitUntilAsync(() => !receiver.IsConnected && !publisher.IsConnected);
        // Watched while the broker is down: bound once it is back.
        var during = NewUser();
        await receiver.WatchAsync(during);
        await RabbitMqBroker.CtlAsync("start_app");
        // Connected, then told to catch up: once every other node has counted it (RabbitMqBusOptions.NodeCountInterval).
        await WaitUntilAsync(() => receiver.IsConnected && publisher.IsConnected && target.Resyncs > resyncsBefore, TimeSpan.FromSeconds(30));
        var after = NewUser();
        await receiver.WatchAsync(after);
        await publisher.PublishAsync([before, during, after], new Core.Bus.Delivery([1, 2, 3], Seq: 11));
        await target.WaitUntilAsync(t => t.For(before).Count == 1 && t.For(during).Count == 1 && t.For(after).Count == 1);
    }

    private static long NewUser() => Random.Shared.NextInt64(1_000_000_000, 1_000_000_000_000);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline) throw new TimeoutException("The bus did not reach the expected state in time.");
            await Task.Delay(100);
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var bus in _buses) await bus.DisposeAsync();
        // Leave the broker running for whatever comes next, even if the test failed half-way.
        if (RabbitMqBroker.Uri is not null) await RabbitMqBroker.CtlAsync("start_app");
    }
}
