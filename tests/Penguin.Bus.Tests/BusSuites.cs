using Microsoft.Extensions.Logging.Abstractions;
using Penguin.Bus.RabbitMq;
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

    protected override IEventBus CreateBus(string nodeId) =>
        new RabbitMqEventBus(new RabbitMqBusOptions(RabbitMqBroker.Uri!, nodeId), NullLogger<RabbitMqEventBus>.Instance);

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
        await WaitUntilAsync(() => receiver.IsConnected && publisher.IsConnected, TimeSpan.FromSeconds(30));

        Assert.True(target.Resyncs > resyncsBefore, "the node's connections were told to catch up");
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
