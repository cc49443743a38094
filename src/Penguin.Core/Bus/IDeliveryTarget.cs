namespace Penguin.Core.Bus;

/// <summary>The node's side of delivery: hands a frame to the user's connections held by this node.</summary>
public interface IDeliveryTarget
{
    void Deliver(long userId, Delivery delivery);

    /// <summary>
    /// Deliveries may have been lost (the bus was down): every local connection catches up from the event log.
    /// Durable events come back that way; ephemeral frames do not.
    /// </summary>
    void ResyncAll();

    /// <summary>
    /// Deliveries to these users may have been skipped (a node learned only late that this one holds them): their
    /// local connections catch up from the event log.
    /// </summary>
    void Resync(IReadOnlyCollection<long> userIds) => ResyncAll();

    /// <summary>A delivery published to a topic this node subscribed to, by another node.</summary>
    void DeliverToTopic(string topic, Delivery delivery) { }
}
