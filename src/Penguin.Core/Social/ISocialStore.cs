using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Social;

/// <summary>Storage of the social graph: buddy groups, friendships, friend requests and blocks.</summary>
public interface ISocialStore
{
    ValueTask<Relation> GetRelationAsync(long userId, long otherId, CancellationToken cancellationToken = default);

    ValueTask<long[]> GetFriendIdsAsync(long userId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<FriendEntry>> GetFriendsAsync(long userId, CancellationToken cancellationToken = default);

    ValueTask<BuddyGroup[]> GetGroupsAsync(long userId, CancellationToken cancellationToken = default);

    ValueTask<Result<Committed<BuddyGroup[]>>> CreateGroupAsync(long userId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default);

    ValueTask<Result<Committed<BuddyGroup[]>>> RenameGroupAsync(long userId, long groupId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default);

    /// <summary>Deletes a group; its friends move to the default group. The default group cannot be deleted.</summary>
    ValueTask<Result<Committed<GroupDeletion>>> DeleteGroupAsync(long userId, long groupId, EventsFor<GroupDeletion> events, CancellationToken cancellationToken = default);

    /// <summary>Sets the order of the groups; <paramref name="ids"/> must name each of the user's groups exactly once.</summary>
    ValueTask<Result<Committed<BuddyGroup[]>>> ReorderGroupsAsync(long userId, long[] ids, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default);

    /// <summary>Moves a friend to another of the user's groups and/or sets the remark ("" clears it).</summary>
    ValueTask<Result<Committed<FriendEntry>>> UpdateFriendAsync(long userId, long friendId, long? groupId, string? remark, EventsFor<FriendEntry> events, CancellationToken cancellationToken = default);

    /// <summary>Ends a friendship on both sides.</summary>
    ValueTask<Result<Committed<bool>>> RemoveFriendAsync(long userId, long friendId, EventsFor<bool> events, CancellationToken cancellationToken = default);

    ValueTask<FriendRequestRecord?> GetRequestAsync(long requestId, CancellationToken cancellationToken = default);

    ValueTask<FriendRequestRecord?> FindPendingRequestAsync(long fromId, long toId, CancellationToken cancellationToken = default);

    /// <summary>Pending requests sent to or by the user, newest first.</summary>
    ValueTask<IReadOnlyList<FriendRequestRecord>> ListPendingRequestsAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Creates a pending request, or refreshes the message of the one already pending between the two.</summary>
    ValueTask<Committed<FriendRequestRecord>> UpsertPendingRequestAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default);

    /// <summary>The answer when either friend list holds <see cref="Limits.MaxFriends"/> already; friendship is mutual.</summary>
    static readonly Error FriendListFull = Errors.LimitReached.With($"A friend list is full ({Limits.MaxFriends}).", $"好友数量已达上限（{Limits.MaxFriends}）。");

    /// <summary>
    /// Accepts a pending request: both become friends (a deleted group falls back to the default). Fails when not pending;
    /// not_found (<see cref="Accounts.IAccountStore.AccountGone"/>) when either account has been deleted, and
    /// <see cref="FriendListFull"/> when either list is full, both checked inside the write, and then nothing is written
    /// (the request stays pending).
    /// </summary>
    ValueTask<Result<Committed<Friendship>>> AcceptRequestAsync(long requestId, long toGroupId, DateTimeOffset now, EventsFor<Friendship> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the friendship at once (the receiver lets anyone add them), recording an accepted request; not_found when
    /// either account has been deleted and <see cref="FriendListFull"/> when either list is full, checked inside the
    /// write, as for <see cref="AcceptRequestAsync"/>.
    /// </summary>
    ValueTask<Result<Committed<Friendship>>> AddFriendsAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<Friendship> events, CancellationToken cancellationToken = default);

    ValueTask<Result<Committed<FriendRequestRecord>>> DeclineRequestAsync(long requestId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default);

    ValueTask<long[]> GetBlockedAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Blocks a user: ends any friendship and declines pending requests between the two.</summary>
    ValueTask<Committed<BlockChange>> BlockAsync(long userId, long otherId, DateTimeOffset now, EventsFor<BlockChange> events, CancellationToken cancellationToken = default);

    ValueTask<Committed<long[]>> UnblockAsync(long userId, long otherId, EventsFor<long[]> events, CancellationToken cancellationToken = default);
}
