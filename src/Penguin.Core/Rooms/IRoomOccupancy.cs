namespace Penguin.Core.Rooms;

/// <summary>
/// Who is inside each room on every node, for <c>people</c> counts and for finding whom a moderator puts out.
/// A node reports a user when it gains the user's first connection inside a room and when it loses the last.
/// </summary>
public interface IRoomOccupancy
{
    /// <summary>This node now holds the user inside the room; true when no other node did (the user arrived).</summary>
    ValueTask<bool> EnterAsync(long roomId, long userId, CancellationToken cancellationToken = default);

    /// <summary>This node no longer holds the user inside the room; true when no other node does (the user left).</summary>
    ValueTask<bool> LeaveAsync(long roomId, long userId, CancellationToken cancellationToken = default);

    /// <summary>The user is out of the room on every node (kicked or banned).</summary>
    ValueTask RemoveEverywhereAsync(long roomId, long userId, CancellationToken cancellationToken = default);

    /// <summary>The users inside the room on any node, by number.</summary>
    ValueTask<IReadOnlyList<long>> PeopleAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>How many users are inside each of the rooms (absent: nobody).</summary>
    ValueTask<IReadOnlyDictionary<long, int>> CountsAsync(IReadOnlyList<long> roomIds, CancellationToken cancellationToken = default);
}
