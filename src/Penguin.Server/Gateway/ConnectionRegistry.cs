using System.Collections.Concurrent;
using Penguin.Core.Bus;

namespace Penguin.Server.Gateway;

/// <summary>The authenticated connections this node holds, by user: where bus deliveries land.</summary>
public sealed class ConnectionRegistry(IEventBus bus) : IDeliveryTarget
{
    private readonly ConcurrentDictionary<long, Connection[]> _byUser = new();
    private int _count; // kept beside _byUser rather than a set of every connection (one node less per device)
    // Topic deliveries by the topic's prefix ("room."), handed to the feature that subscribed.
    private readonly ConcurrentDictionary<string, Action<string, Delivery>> _topicHandlers = new();

    public int Count => Volatile.Read(ref _count);

    public IEnumerable<Connection> All => _byUser.Values.SelectMany(connections => connections);

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
        Interlocked.Add(ref _count, 1 - replaced.Length);
        if (first) await bus.WatchAsync(session.UserId);
        return replaced;
    }

    public async ValueTask RemoveAsync(Connection connection)
    {
        if (connection.Session is not { } session) return;
        while (_byUser.TryGetValue(session.UserId, out var current))
        {
            var rest = current.Where(c => c != connection).ToArray();
            if (rest.Length == current.Length) return; // not registered, or already replaced
            if (rest.Length == 0)
            {
                if (!_byUser.TryRemove(new KeyValuePair<long, Connection[]>(session.UserId, current))) continue;
                Interlocked.Decrement(ref _count);
                await bus.UnwatchAsync(session.UserId);
                // A new connection of the user may have been added, and watched, while we unwatched: watch again.
                if (_byUser.ContainsKey(session.UserId)) await bus.WatchAsync(session.UserId);
                return;
            }
            if (_byUser.TryUpdate(session.UserId, rest, current))
            {
                Interlocked.Decrement(ref _count);
                return;
            }
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

    /// <summary>The users' connections read what they missed from the log after their cursors.</summary>
    public void Resync(IReadOnlyCollection<long> userIds)
    {
        foreach (var userId in userIds)
            if (_byUser.TryGetValue(userId, out var connections))
                foreach (var connection in connections)
                    if (connection.Session is not null) connection.CatchUp(re: 0, from: null);
    }

    /// <summary>Every connection reads what it missed from the log after its cursor (the bus lost deliveries).</summary>
    public void ResyncAll()
    {
        foreach (var connection in All)
            if (connection.Session is not null) connection.CatchUp(re: 0, from: null);
    }
}
