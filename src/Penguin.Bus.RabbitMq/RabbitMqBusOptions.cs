namespace Penguin.Bus.RabbitMq;

/// <summary>How one node reaches the broker and names its queue.</summary>
public sealed record RabbitMqBusOptions(Uri Uri, string NodeId)
{
    /// <summary>The direct exchange every node publishes to, with the recipient's user id as the routing key.</summary>
    public string Exchange { get; init; } = "penguin.users";

    /// <summary>Wait between attempts to reach the broker while it is down.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>This node's own queue: exclusive and auto-delete, so it disappears with the node's connection.</summary>
    public string QueueName => $"penguin.node.{NodeId}";
}
