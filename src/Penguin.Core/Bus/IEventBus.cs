namespace Penguin.Core.Bus;

/// <summary>
/// A serialized server frame on its way to a user's connected devices.
/// <paramref name="Seq"/> is the durable event's sequence (0 for ephemeral frames);
/// <paramref name="OnlySession"/> limits it to one device session; <paramref name="EndSession"/> closes that session after sending.
/// </summary>
public readonly record struct Delivery(byte[] Frame, long Seq = 0, long OnlySession = 0, bool EndSession = false);

/// <summary>The node's side of delivery: hands a frame to the user's connections held by this node.</summary>
public interface IDeliveryTarget
{
    void Deliver(long userId, Delivery delivery);

    /// <summary>
    /// Deliveries may have been lost (the bus was down): every local connection catches up from the event log.
    /// Durable events come back that way; ephemeral frames do not.
    /// </summary>
    void ResyncAll();
}

/// <summary>
/// Carries deliveries between nodes. Routing is by user: a node watches the users whose sessions it holds,
/// and a delivery reaches only the nodes watching its user — never a broadcast to every node.
/// </summary>
public interface IEventBus : IAsyncDisposable
{
    /// <summary>Connects this node's delivery target; called once at start-up.</summary>
    ValueTask StartAsync(IDeliveryTarget target, CancellationToken cancellationToken);

    ValueTask PublishAsync(long userId, Delivery delivery);

    ValueTask PublishAsync(IReadOnlyCollection<long> userIds, Delivery delivery);

    /// <summary>This node now holds at least one session of the user.</summary>
    ValueTask WatchAsync(long userId);

    /// <summary>This node no longer holds any session of the user.</summary>
    ValueTask UnwatchAsync(long userId);
}
