using System.Collections.Frozen;
using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>
/// The op → handler table, built once at start-up from the features' registrations. Every op of the protocol
/// must have exactly one owner — the gateway itself (ping, auth, sync) or one feature's handler — or the
/// server does not start: an op nobody handles is a bug found at boot, not by a client.
/// </summary>
public sealed class FrameDispatcher
{
    /// <summary>Ops the gateway answers itself: transport (ping), authentication and the sync pump.</summary>
    private static readonly Type[] GatewayOps = [typeof(Ping), typeof(Authenticate), typeof(Sync)];

    private readonly FrozenDictionary<Type, FrameRoute> _routes;

    public FrameDispatcher(IEnumerable<FrameRoute> routes)
    {
        var table = new Dictionary<Type, FrameRoute>();
        foreach (var route in routes)
        {
            if (GatewayOps.Contains(route.FrameType) || !table.TryAdd(route.FrameType, route))
                throw new InvalidOperationException($"The op '{OpOf(route.FrameType)}' has more than one handler.");
        }
        var missing = Ops.Where(op => !GatewayOps.Contains(op.Type) && !table.ContainsKey(op.Type)).Select(op => op.Name).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"No handler is registered for the ops: {string.Join(", ", missing)}.");
        _routes = table.ToFrozenDictionary();
    }

    /// <summary>Every client op of the protocol: its name on the wire and its frame type.</summary>
    public static IEnumerable<(string Name, Type Type)> Ops =>
        PenguinJson.Wire.ClientFrame.PolymorphismOptions!.DerivedTypes.Select(t => ((string)t.TypeDiscriminator!, t.DerivedType));

    /// <summary>The handler of a frame that is not one of the gateway's own ops.</summary>
    public FrameRoute RouteOf(ClientFrame frame) => _routes[frame.GetType()];

    private static string OpOf(Type frameType) => Ops.FirstOrDefault(op => op.Type == frameType).Name ?? frameType.Name;
}
