using Penguin.Core.Common;

namespace Penguin.Core.Rooms;

/// <summary>
/// Storage of chat rooms: the rooms, their appointed moderators, their bans and their last messages. Who is inside a
/// room is not here: it belongs to the connections of the node that holds them (shared across nodes by IRoomOccupancy).
/// </summary>
public interface IRoomStore
{
    /// <summary>
    /// Creates a room unless its creator already created <paramref name="maxCreated"/> (limit_reached): counted inside
    /// the write, so requests sent side by side cannot pass the limit together.
    /// </summary>
    ValueTask<Result<RoomRecord>> CreateAsync(string name, string topic, long creatorId, DateTimeOffset createdAt, int maxCreated,
        CancellationToken cancellationToken = default);

    ValueTask<RoomRecord?> GetAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>Rooms by topic (every room when <paramref name="topic"/> is null), oldest first.</summary>
    ValueTask<IReadOnlyList<RoomRecord>> ListAsync(string? topic, int limit, CancellationToken cancellationToken = default);

    /// <summary>The appointed moderators (the creator is not listed), in the order they were appointed.</summary>
    ValueTask<IReadOnlyList<long>> ListModeratorsAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>Appoints or removes a moderator; false when nothing changed.</summary>
    ValueTask<bool> SetModeratorAsync(long roomId, long userId, bool moderator, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Bans or lifts a ban; false when nothing changed.</summary>
    ValueTask<bool> SetBannedAsync(long roomId, long userId, bool banned, long by, DateTimeOffset at, CancellationToken cancellationToken = default);

    ValueTask<bool> IsBannedAsync(long roomId, long userId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<long>> ListBansAsync(long roomId, CancellationToken cancellationToken = default);

    /// <summary>Stores a message and deletes the room's messages older than its last <paramref name="keep"/>.</summary>
    ValueTask<RoomMessageRecord> AppendMessageAsync(long roomId, long senderId, string text, DateTimeOffset sentAt, int keep, CancellationToken cancellationToken = default);

    /// <summary>The room's last <paramref name="limit"/> messages, oldest first.</summary>
    ValueTask<IReadOnlyList<RoomMessageRecord>> RecentAsync(long roomId, int limit, CancellationToken cancellationToken = default);
}
