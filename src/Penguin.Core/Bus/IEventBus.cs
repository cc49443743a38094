namespace Penguin.Core.Bus;

/// <summary>
/// Carries deliveries between nodes. Routing is by user: a node watches the users whose sessions it holds,
/// and a delivery reaches only the nodes watching its user — never a broadcast to every node.
/// </summary>
public interface IEventBus : IAsyncDisposable
{
    /// <summary>Connects this node's delivery target; called once at start-up.</summary>
    ValueTask StartAsync(IDeliveryTarget target, CancellationToken cancellationToken);

    ValueTask PublishAsync(long userId, Delivery delivery, CancellationToken cancellationToken = default);

    ValueTask PublishAsync(IReadOnlyCollection<long> userIds, Delivery delivery, CancellationToken cancellationToken = default);

    /// <summary>This node now holds at least one session of the user.</summary>
    ValueTask WatchAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>This node no longer holds any session of the user.</summary>
    ValueTask UnwatchAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// To every <em>other</em> node subscribed to <paramref name="topic"/>, once each (<see cref="IDeliveryTarget.DeliverToTopic"/>);
    /// the publishing node serves its own connections itself. A topic is not a number (numbers are user ids).
    /// </summary>
    ValueTask PublishToTopicAsync(string topic, Delivery delivery, CancellationToken cancellationToken = default);

    /// <summary>This node now has something inside the topic (at least one connection inside the room).</summary>
    ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>This node has nothing inside the topic any more.</summary>
    ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default);
}
