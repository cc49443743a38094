using System.Net;

namespace Penguin.Bus.RabbitMq;

/// <summary>How one node reaches the broker and names its queue.</summary>
public sealed record RabbitMqBusOptions(Uri Uri, string NodeId)
{
    /// <summary>The direct exchange every node publishes to, with the recipient's user id as the routing key.</summary>
    public string Exchange { get; init; } = "penguin.users";

    /// <summary>Wait between attempts to reach the broker while it is down.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a node counts the nodes on the bus (the consumers of <see cref="NodesQueue"/>). A count of one is
    /// trusted for 4 intervals: meanwhile this node, alone, delivers locally and publishes nothing. A node joining a
    /// bus that already has nodes waits 10 intervals before it serves anyone, so every other node has counted it by then.
    /// </summary>
    public TimeSpan NodeCountInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Where this node listens for the other nodes' direct streams (<see cref="NodeLinks"/>); port 0 takes any free port.
    /// Null: no direct streams, every crossing delivery goes through the broker.
    /// </summary>
    public IPEndPoint? NodeLink { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The host the other nodes connect to for <see cref="NodeLink"/>; by default its address (which must then not be 0.0.0.0 or ::).</summary>
    public string? NodeLinkHost { get; init; }

    /// <summary>A queue nothing is published to: each node consumes from it, so its consumer count is the number of nodes.</summary>
    public string NodesQueue => $"{Exchange}.nodes";

    /// <summary>This node's own queue: exclusive and auto-delete, so it disappears with the node's connection.</summary>
    public string QueueName => $"penguin.node.{NodeId}";
}
