namespace Penguin.Core.Bus;

/// <summary>The embedded default: one node, so every delivery goes straight to the local target.</summary>
public sealed class InProcessEventBus : IEventBus
{
    private IDeliveryTarget? _target;

    public ValueTask StartAsync(IDeliveryTarget target, CancellationToken cancellationToken)
    {
        _target = target;
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishAsync(long userId, Delivery delivery)
    {
        _target?.Deliver(userId, delivery);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishAsync(IReadOnlyCollection<long> userIds, Delivery delivery)
    {
        foreach (var userId in userIds) _target?.Deliver(userId, delivery);
        return ValueTask.CompletedTask;
    }

    public ValueTask WatchAsync(long userId) => ValueTask.CompletedTask;

    public ValueTask UnwatchAsync(long userId) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
