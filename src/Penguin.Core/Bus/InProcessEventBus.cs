using System.Collections.Concurrent;

namespace Penguin.Core.Bus;

/// <summary>The embedded default: one node, so every delivery for a watched user goes straight to the local target.</summary>
public sealed class InProcessEventBus : IEventBus
{
    // Kept like a cluster bus's bindings, so both honour the same contract: unwatched users get nothing.
    private readonly ConcurrentDictionary<long, byte> _watched = new();
    private IDeliveryTarget? _target;

    public ValueTask StartAsync(IDeliveryTarget target, CancellationToken cancellationToken)
    {
        _target = target;
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishAsync(long userId, Delivery delivery, CancellationToken cancellationToken = default)
    {
        Deliver(userId, delivery);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishAsync(IReadOnlyCollection<long> userIds, Delivery delivery, CancellationToken cancellationToken = default)
    {
        foreach (var userId in userIds) Deliver(userId, delivery);
        return ValueTask.CompletedTask;
    }

    private void Deliver(long userId, Delivery delivery)
    {
        if (_watched.ContainsKey(userId)) _target?.Deliver(userId, delivery);
    }

    public ValueTask WatchAsync(long userId, CancellationToken cancellationToken = default)
    {
        _watched[userId] = 0;
        return ValueTask.CompletedTask;
    }

    public ValueTask UnwatchAsync(long userId, CancellationToken cancellationToken = default)
    {
        _watched.TryRemove(userId, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>One node: there is no other node to reach, so a topic delivery goes nowhere.</summary>
    public ValueTask PublishToTopicAsync(string topic, Delivery delivery, CancellationToken cancellationToken = default)
    {
        TopicName.Check(topic);
        return ValueTask.CompletedTask;
    }

    public ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        TopicName.Check(topic);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
