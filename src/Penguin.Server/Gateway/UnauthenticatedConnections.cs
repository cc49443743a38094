using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Server.Gateway;

/// <summary>Connections that have not authenticated yet, so that they too can time out.</summary>
public sealed class UnauthenticatedConnections
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Connection, byte> _all = new();

    public IEnumerable<Connection> All => _all.Keys;

    public void Add(Connection connection) => _all.TryAdd(connection, 0);

    public void Remove(Connection connection) => _all.TryRemove(connection, out _);
}
