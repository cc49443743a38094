using System.Collections.Concurrent;
using Penguin.Core.Bus;

namespace Penguin.Server.Gateway;

/// <summary>The authenticated connections this node holds, by user: where bus deliveries land.</summary>
public sealed class ConnectionRegistry(IEventBus bus) : IDeliveryTarget
{
    private readonly ConcurrentDictionary<long, Connection[]> _byUser = new();
    private readonly ConcurrentDictionary<Connection, byte> _all = new();
    // Topic deliveries by the topic's prefix ("room."), handed to the feature that subscribed.
    private readonly ConcurrentDictionary<string, Action<string, Delivery>> _topicHandlers = new();

    public int Count => _all.Count;

    public IEnumerable<Connection> All => _all.Keys;

    /// <summary>Adds an authenticated connection; returns the connections of the same session it replaces.</summary>
    public async ValueTask<Connection[]> AddAsync(Connection connection)
    {
        var session = connection.Session!;
        Connection[] replaced = [];
        var first = false;
        _byUser.AddOrUpdate(session.UserId,
            _ => { first = true; return [connection]; },
            (_, current) =>
            {
                replaced = [.. current.Where(c => c.Session!.SessionId == session.SessionId)];
                first = current.Length == replaced.Length;
                return [.. current.Where(c => c.Session!.SessionId != session.SessionId), connection];
            });
        _all.TryAdd(connection, 0);
        foreach (var old in replaced) _all.TryRemove(old, out _);
        if (first) await bus.WatchAsync(session.UserId);
        return replaced;
    }

    public async ValueTask RemoveAsync(Connection connection)
    {
        if (!_all.TryRemove(connection, out _) || connection.Session is not { } session) return;
        while (_byUser.TryGetValue(session.UserId, out var current))
        {
            var rest = current.Where(c => c != connection).ToArray();
            if (rest.Length == current.Length) return;
            if (rest.Length == 0)
            {
                if (!_byUser.TryRemove(new KeyValuePair<long, Connection[]>(session.UserId, current))) continue;
                await bus.UnwatchAsync(session.UserId);
                // A new connection of the user may have been added, and watched, while we unwatched: watch again.
                if (_byUser.ContainsKey(session.UserId)) await bus.WatchAsync(session.UserId);
                return;
            }
            if (_byUser.TryUpdate(session.UserId, rest, current)) return;
        }
    }

    public bool HasSession(long userId, long sessionId) =>
        _byUser.TryGetValue(userId, out var current) && current.Any(c => c.Session!.SessionId == sessionId);

    public void Deliver(long userId, Delivery delivery)
    {
        if (!_byUser.TryGetValue(userId, out var connections)) return;
        foreach (var connection in connections) connection.Deliver(delivery);
    }

    /// <summary>The feature that subscribes to topics starting with <paramref name="prefix"/> takes their deliveries.</summary>
    public void HandleTopics(string prefix, Action<string, Delivery> handler) => _topicHandlers[prefix] = handler;

    public void DeliverToTopic(string topic, Delivery delivery)
    {
        foreach (var (prefix, handler) in _topicHandlers)
            if (topic.StartsWith(prefix, StringComparison.Ordinal)) handler(topic, delivery);
    }

    /// <summary>Every connection reads what it missed from the log after its cursor (the bus lost deliveries).</summary>
    public void ResyncAll()
    {
        foreach (var connection in _all.Keys)
            if (connection.Session is not null) connection.CatchUp(re: 0, from: null);
    }
}
