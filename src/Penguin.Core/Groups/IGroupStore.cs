using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>
/// Storage of groups. A group message is one row with the group's next seq, never a row per member; the few
/// events a change reports (membership, settings, mentions, read cursors) go to the users' logs in the same
/// transaction. The store enforces what must hold atomically (membership, the size limit, idempotency);
/// <see cref="GroupService"/> checks roles and input before calling it.
/// </summary>
public interface IGroupStore
{
    /// <summary>
    /// Creates the group with its owner as the only member; limit_reached when the owner is in
    /// <see cref="Limits.MaxGroupsPerUser"/> groups already (counted in the write, as for <see cref="AddMemberAsync"/>).
    /// </summary>
    ValueTask<Result<Committed<GroupMembership>>> CreateAsync(NewGroup group, EventsFor<GroupMembership> events, CancellationToken cancellationToken = default);

    ValueTask<GroupRecord?> GetAsync(long groupId, CancellationToken cancellationToken = default);

    ValueTask<MemberRecord?> GetMemberAsync(long groupId, long userId, CancellationToken cancellationToken = default);

    /// <summary>Every member, owner first, then admins, then by join time.</summary>
    ValueTask<IReadOnlyList<MemberRecord>> ListMembersAsync(long groupId, CancellationToken cancellationToken = default);

    /// <summary>The user's groups with their membership (one query, whatever the number of groups).</summary>
    ValueTask<IReadOnlyList<GroupMembership>> ListForUserAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="change"/> to the group as it is inside the write and stores its card fields and mute-all
    /// (not_found, group_dissolved). The change sees every update committed before it, so two concurrent updates of
    /// different fields both hold; an error it returns writes nothing.
    /// </summary>
    ValueTask<Result<Committed<GroupRecord>>> UpdateGroupAsync(long groupId, Func<GroupRecord, Result<GroupRecord>> change, EventsFor<GroupRecord> events,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="change"/> to the member as they are inside the write and stores their role, card, mute and
    /// notify setting (not_member if they left meanwhile). As for groups, concurrent changes never undo each other; an
    /// error the change returns writes nothing.
    /// </summary>
    ValueTask<Result<Committed<MemberRecord>>> UpdateMemberAsync(long groupId, long userId, Func<MemberRecord, Result<MemberRecord>> change,
        EventsFor<MemberRecord> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a member (role member) unless the group is full, dissolved or they are a member already; removes their
    /// invitation and join request. An account deleted before the write is not_found (checked in the write: a deletion
    /// either comes first and is seen, or comes after and finds the membership to end); one in
    /// <see cref="Limits.MaxGroupsPerUser"/> groups already is limit_reached, counted in the write too, so joins side by
    /// side cannot pass the limit together.
    /// </summary>
    ValueTask<Result<Committed<GroupMembership>>> AddMemberAsync(long groupId, long userId, DateTimeOffset now, int maxMembers,
        EventsFor<GroupMembership> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a member (left or kicked); the group's record afterwards. The owner is never removed (<see cref="OwnerStays"/>:
    /// the group is transferred or dissolved first), as they are inside the write: one made the owner by a transfer since
    /// the caller's check stays. <paramref name="check"/> sees the member as stored too (a kick's rule on roles); an error
    /// either returns writes nothing.
    /// </summary>
    ValueTask<Result<Committed<GroupRecord>>> RemoveMemberAsync(long groupId, long userId, EventsFor<GroupRecord> events, Func<MemberRecord, Error?>? check = null,
        CancellationToken cancellationToken = default);

    /// <summary>What removing the owner from their group answers.</summary>
    static readonly Error OwnerStays = Errors.Forbidden.With("The owner cannot leave or be removed: transfer the group or dissolve it.", "群主不能退群或被移出：请先转让或解散该群。");

    /// <summary>
    /// Takes a deleted account out of the group, decided on the members as stored in the write: a member or an admin
    /// leaves; an owner's group passes to the longest-standing admin, else the longest-standing member (accounts not
    /// deleted), and is dissolved when none is left. not_member when the account is no longer in the group,
    /// group_dissolved when the group is gone.
    /// </summary>
    ValueTask<Result<Committed<GroupDeparture>>> RemoveDeletedAsync(long groupId, long userId, EventsFor<GroupDeparture> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="toId"/> (a member) the owner and the old owner an admin; not_found when <paramref name="toId"/>'s
    /// account has been deleted (checked in the write, as for <see cref="AddMemberAsync"/>).
    /// </summary>
    ValueTask<Result<Committed<GroupRecord>>> TransferAsync(long groupId, long fromId, long toId, EventsFor<GroupRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Marks the group dissolved and removes every member; the events get the former members.</summary>
    ValueTask<Result<Committed<IReadOnlyList<long>>>> DissolveAsync(long groupId, EventsFor<IReadOnlyList<long>> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the message with the group's next seq if the sender is a member of a group not dissolved; idempotent by
    /// (group, sender, client id). Sending reads the group up to the new message for the sender.
    /// </summary>
    ValueTask<Result<Committed<GroupSendOutcome>>> SendAsync(NewGroupMessage message, EventsFor<GroupMessageRecord> events, CancellationToken cancellationToken = default);

    ValueTask<GroupMessageRecord?> FindSentAsync(long groupId, long senderId, string clientId, CancellationToken cancellationToken = default);

    ValueTask<GroupMessageRecord?> GetMessageAsync(long groupId, long messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether a message of a group the user is a member of carries the file and is not recalled, and was sent after the
    /// user joined (history is visible from join time): who besides the uploader may download a file sent to a group.
    /// </summary>
    ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default);

    /// <summary>Erases the message's text and attachment (request_closed if already recalled).</summary>
    ValueTask<Result<GroupMessageRecord>> RecallAsync(long groupId, long messageId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Moves the member's read cursor forward (never back, never past the last seq); null when it did not move.</summary>
    ValueTask<Committed<long?>> MarkReadAsync(long groupId, long userId, long seq, EventsFor<long?> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Messages with <paramref name="afterSeq"/> &lt; seq &lt; <paramref name="beforeSeq"/>: the newest <paramref name="limit"/>
    /// (newest first), or with <paramref name="oldestFirst"/> the oldest <paramref name="limit"/> (oldest first).
    /// </summary>
    ValueTask<IReadOnlyList<GroupMessageRecord>> HistoryAsync(long groupId, long afterSeq, long beforeSeq, int limit, bool oldestFirst, CancellationToken cancellationToken = default);

    /// <summary>Members (not the sender) who joined before message <paramref name="seq"/>, and how many of them have read it.</summary>
    ValueTask<GroupReadStats> ReadStatsAsync(long groupId, long seq, long senderId, CancellationToken cancellationToken = default);

    /// <summary>Records (or refreshes) a pending join request.</summary>
    ValueTask<Committed<GroupJoinRequest>> RequestJoinAsync(long groupId, long userId, string message, DateTimeOffset now,
        EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default);

    ValueTask<GroupJoinRequest?> GetJoinRequestAsync(long groupId, long requestId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsAsync(long groupId, CancellationToken cancellationToken = default);

    /// <summary>The join requests a user has pending, in every group.</summary>
    ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsOfAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a pending request (refused); not_found when it is gone.</summary>
    ValueTask<Result<Committed<GroupJoinRequest>>> RefuseJoinAsync(long groupId, long requestId, EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default);

    /// <summary>Records an invitation of <paramref name="userId"/> by <paramref name="inviterId"/>.</summary>
    ValueTask<Committed<GroupRecord>> InviteAsync(GroupRecord group, long userId, long inviterId, DateTimeOffset now,
        EventsFor<GroupRecord> events, CancellationToken cancellationToken = default);

    ValueTask<bool> IsInvitedAsync(long groupId, long userId, CancellationToken cancellationToken = default);
}
