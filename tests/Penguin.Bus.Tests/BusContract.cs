using System.Text;
using Penguin.Core.Bus;

namespace Penguin.Bus.Tests;

/// <summary>
/// What every <see cref="IEventBus"/> must do; run once per implementation by the subclasses in BusSuites.cs.
/// Deliveries come from another node's bus where the implementation has nodes, so the broker path is what runs.
/// </summary>
public abstract class BusContract : IAsyncLifetime
{
    private readonly List<IEventBus> _started = [];

    // A bus that cannot run here (no RabbitMQ configured) shows its contract tests as skipped.
    protected BusContract() => RequiredServices.SkipUnlessConfigured(GetType());

    protected Node Receiver { get; private set; } = null!;

    /// <summary>The bus deliveries are published on: another node's, or the receiver's own for a single-node bus.</summary>
    protected IEventBus Publisher { get; private set; } = null!;

    protected sealed record Node(IEventBus Bus, RecordingTarget Target);

    protected abstract bool Available { get; }

    /// <summary>Whether the bus connects separate nodes (then the publisher is a node of its own).</summary>
    protected abstract bool HasNodes { get; }

    protected abstract IEventBus CreateBus(string nodeId);

    protected async Task<Node> StartNodeAsync(string name)
    {
        var bus = CreateBus($"test-{name}-{Guid.NewGuid():N}");
        lock (_started) _started.Add(bus);
        var target = new RecordingTarget();
        await bus.StartAsync(target, CancellationToken.None);
        return new Node(bus, target);
    }

    /// <summary>A user id no other test (or earlier run on the same broker) uses.</summary>
    protected static long NewUser() => Random.Shared.NextInt64(1_000_000_000, 1_000_000_000_000);

    protected static Delivery Frame(string text, long seq = 0) => new(Encoding.UTF8.GetBytes(text), seq);

    /// <summary>Publishes a marker to a watched user and waits for it: whatever was published before it has been routed.</summary>
    protected async Task FlushAsync(Node node)
    {
        var marker = NewUser();
        await node.Bus.WatchAsync(marker);
        await Publisher.PublishAsync(marker, Frame("marker"));
        await node.Target.WaitForAsync(marker);
    }

    [Fact]
    public async Task Publish_WatchedUser_ArrivesWithEveryFieldIntact()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);
        var sent = new Delivery(Encoding.UTF8.GetBytes("{\"type\":\"friend.added\",\"nickname\":\"小企鹅 🐧\"}"), Seq: 42, OnlySession: 7, EndSession: true);

        await Publisher.PublishAsync(user, sent);

        var received = Assert.Single(await Receiver.Target.WaitForAsync(user));
        Assert.Equal(sent.Frame, received.Frame);
        Assert.Equal((42L, 7L, true), (received.Seq, received.OnlySession, received.EndSession));
    }

    [Fact]
    public async Task Publish_EmptyFrameAndDefaults_ArriveAsSent()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);

        await Publisher.PublishAsync(user, new Delivery([]));

        var received = Assert.Single(await Receiver.Target.WaitForAsync(user));
        Assert.Empty(received.Frame);
        Assert.Equal((0L, 0L, false), (received.Seq, received.OnlySession, received.EndSession));
    }

    [Fact]
    public async Task Publish_UnwatchedUser_DoesNotArrive()
    {
        var stranger = NewUser();

        await Publisher.PublishAsync(stranger, Frame("not for this node"));
        await FlushAsync(Receiver);

        Assert.Empty(Receiver.Target.For(stranger));
    }

    [Fact]
    public async Task Unwatch_AfterDeliveries_StopsDelivery()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);
        await Publisher.PublishAsync(user, Frame("first", seq: 1));
        await Receiver.Target.WaitForAsync(user);

        await Receiver.Bus.UnwatchAsync(user);
        await Publisher.PublishAsync(user, Frame("second", seq: 2));
        await FlushAsync(Receiver);

        Assert.Equal([1L], Receiver.Target.For(user).Select(d => d.Seq));
    }

    [Fact]
    public async Task Watch_AgainAfterUnwatch_DeliversAgain()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);
        await Receiver.Bus.UnwatchAsync(user);
        await Receiver.Bus.WatchAsync(user);

        await Publisher.PublishAsync(user, Frame("back", seq: 5));

        Assert.Equal([5L], (await Receiver.Target.WaitForAsync(user)).Select(d => d.Seq));
    }

    [Fact]
    public async Task Publish_SeveralUsers_ReachesEachWatchedUserOnce()
    {
        long[] watched = [NewUser(), NewUser(), NewUser()];
        var stranger = NewUser();
        foreach (var user in watched) await Receiver.Bus.WatchAsync(user);

        await Publisher.PublishAsync([.. watched, stranger], Frame("{\"type\":\"presence\"}"));
        await FlushAsync(Receiver);

        Assert.All(watched, user => Assert.Equal("{\"type\":\"presence\"}", Encoding.UTF8.GetString(Assert.Single(Receiver.Target.For(user)).Frame)));
        Assert.Empty(Receiver.Target.For(stranger));
    }

    [Fact]
    public async Task Publish_ManyToOneUser_ArriveInPublishOrder()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);

        for (var seq = 1; seq <= 200; seq++) await Publisher.PublishAsync(user, Frame($"event {seq}", seq));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), (await Receiver.Target.WaitForAsync(user, 200)).Select(d => d.Seq));
    }

    [Fact]
    public async Task Publish_OnTheReceiversOwnBus_ArrivesExactlyOnce()
    {
        var user = NewUser();
        await Receiver.Bus.WatchAsync(user);

        await Receiver.Bus.PublishAsync(user, Frame("local", seq: 9));
        await FlushAsync(Receiver);

        Assert.Equal([9L], Receiver.Target.For(user).Select(d => d.Seq));
    }

    /// <summary>A topic no other test (or earlier run on the same broker) uses.</summary>
    protected static string NewTopic() => TopicName.Room(NewUser());

    [Fact]
    public async Task PublishToTopic_NeverReachesThePublishersOwnNode()
    {
        var topic = NewTopic();
        await Receiver.Bus.SubscribeAsync(topic);

        await Receiver.Bus.PublishToTopicAsync(topic, Frame("{\"type\":\"room.message\"}"));
        await FlushAsync(Receiver);

        Assert.Empty(Receiver.Target.ForTopic(topic)); // the publisher serves its own connections itself
    }

    [Fact]
    public async Task Topic_ThatIsANumberOrOneOfTheBussOwnKeys_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Receiver.Bus.SubscribeAsync("300001"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Receiver.Bus.SubscribeAsync("_directory"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Publisher.PublishToTopicAsync("", Frame("x")));
    }

    public async ValueTask InitializeAsync()
    {
        if (!Available) return;
        Receiver = await StartNodeAsync("receiver");
        Publisher = HasNodes ? (await StartNodeAsync("publisher")).Bus : Receiver.Bus;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bus in _started) await bus.DisposeAsync();
    }
}
