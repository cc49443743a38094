namespace Penguin.Bus.RabbitMq;

/// <summary>
/// At start-up, this node's exclusive queue is held by another connection: a node with the same NodeId is running.
/// Node ids must be unique among running nodes (the queue, the presence rows and the session directory are per id).
/// </summary>
public sealed class NodeIdInUseException(string nodeId, string queue, Exception inner)
    : Exception($"Another node is running with NodeId '{nodeId}' (its queue {queue} is taken).", inner)
{
    public string NodeId { get; } = nodeId;
}
