namespace Penguin.Load.Hosting;

/// <summary>Which node each device of a run connects to.</summary>
public static class NodePlacement
{
    /// <summary>The node of device <paramref name="device"/> when devices simply go round-robin.</summary>
    public static int RoundRobin(int device, int nodes) => device % nodes;

    /// <summary>
    /// chat: pair <paramref name="pair"/> lives on node pair mod N; its recipient (<paramref name="recipient"/>)
    /// sits on the same node, or with <paramref name="crossNode"/> on the next one, so every message crosses the bus.
    /// Senders and recipients alike are spread evenly over the nodes.
    /// </summary>
    public static int ForPairSide(int pair, bool recipient, int nodes, bool crossNode) =>
        (pair + (recipient && crossNode ? 1 : 0)) % nodes;
}
