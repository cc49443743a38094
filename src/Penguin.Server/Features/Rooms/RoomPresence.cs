using System.Collections.Concurrent;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Rooms;

/// <summary>
/// Who is inside each room, on this node: the connections that entered, and from them the people (a user inside
/// on two devices counts once). Kept in memory only; a room nobody is inside holds no entry. Across a cluster,
/// <see cref="Penguin.Core.Rooms.IRoomOccupancy"/> says who is inside on any node.
/// </summary>
public sealed class RoomPresence
{
    private readonly ConcurrentDictionary<long, Occupants> _rooms = new();

    /// <summary>Adds the connection; <c>Arrived</c> when its user was not inside before.</summary>
    public (bool Arrived, int People, long[] Numbers) Enter(long roomId, Connection connection)
    {
        var userId = connection.Session!.UserId;
        while (true)
        {
            var room = _rooms.GetOrAdd(roomId, _ => new Occupants());
            lock (room)
            {
                if (room.Dropped) continue; // emptied and removed meanwhile: use a fresh entry
                if (!room.Connections.TryAdd(connection, userId)) return (false, room.People.Count, [.. room.People.Keys]);
                room.People[userId] = room.People.GetValueOrDefault(userId) + 1;
                room.Snapshot = null;
                return (room.People[userId] == 1, room.People.Count, [.. room.People.Keys]);
            }
        }
    }

    /// <summary>Removes the connection; <c>Gone</c> when its user has no other connection inside.</summary>
    public (bool WasInside, bool Gone, int People) Leave(long roomId, Connection connection)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return (false, false, 0);
        lock (room)
        {
            if (!room.Connections.Remove(connection, out var userId)) return (false, false, room.People.Count);
            var gone = --room.People[userId] == 0;
            if (gone) room.People.Remove(userId);
            room.Snapshot = null;
            DropIfEmpty(roomId, room);
            return (true, gone, room.People.Count);
        }
    }

    /// <summary>Removes every connection of the user from the room (kick, ban); returns them.</summary>
    public (Connection[] Removed, int People) RemoveUser(long roomId, long userId)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return ([], 0);
        lock (room)
        {
            var removed = room.Connections.Where(c => c.Value == userId).Select(c => c.Key).ToArray();
            foreach (var connection in removed) room.Connections.Remove(connection);
            room.People.Remove(userId);
            room.Snapshot = null;
            DropIfEmpty(roomId, room);
            return (removed, room.People.Count);
        }
    }

    public bool IsInside(long roomId, Connection connection)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return false;
        lock (room) return room.Connections.ContainsKey(connection);
    }

    public bool IsInside(long roomId, long userId)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return false;
        lock (room) return room.People.ContainsKey(userId);
    }

    public int People(long roomId)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return 0;
        lock (room) return room.People.Count;
    }

    /// <summary>The users inside on this node, by number.</summary>
    public long[] Numbers(long roomId)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return [];
        lock (room) return [.. room.People.Keys.Order()];
    }

    /// <summary>The connections inside now, as an array kept until the next change (a send allocates nothing per person).</summary>
    public Connection[] ConnectionsIn(long roomId)
    {
        if (!_rooms.TryGetValue(roomId, out var room)) return [];
        lock (room) return room.Snapshot ??= [.. room.Connections.Keys];
    }

    private void DropIfEmpty(long roomId, Occupants room)
    {
        if (room.Connections.Count > 0) return;
        room.Dropped = true;
        _rooms.TryRemove(new KeyValuePair<long, Occupants>(roomId, room));
    }

    private sealed class Occupants
    {
        public Dictionary<Connection, long> Connections { get; } = [];
        public Dictionary<long, int> People { get; } = [];
        public Connection[]? Snapshot { get; set; }
        public bool Dropped { get; set; }
    }
}
