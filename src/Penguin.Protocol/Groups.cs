using System.Text.Json.Serialization;

namespace Penguin.Protocol;

// Groups (群): the wire types of docs/protocol.md §11. A group message is stored once, with the group's own seq;
// members get it live as an ephemeral "group.message" frame and catch up per group over REST. Membership,
// roles, settings and mentions are durable events in the members' own logs.

/// <summary>Who may join a group.</summary>
public enum GroupJoinPolicy
{
    /// <summary>Anyone may join at once.</summary>
    [JsonStringEnumMemberName("open")] Open,

    /// <summary>A join request must be approved by an admin.</summary>
    [JsonStringEnumMemberName("approval")] Approval,

    /// <summary>Only invited users may join.</summary>
    [JsonStringEnumMemberName("invite")] Invite,
}

public enum GroupRole
{
    [JsonStringEnumMemberName("member")] Member,
    [JsonStringEnumMemberName("admin")] Admin,
    [JsonStringEnumMemberName("owner")] Owner,
}

/// <summary>A member's notification setting for one group.</summary>
public enum GroupNotify
{
    /// <summary>Notify for every message.</summary>
    [JsonStringEnumMemberName("notify")] Notify,

    /// <summary>Receive without notifying (mentions still notify).</summary>
    [JsonStringEnumMemberName("silent")] Silent,

    /// <summary>Receive nothing live (mentions still reach the member's log).</summary>
    [JsonStringEnumMemberName("block")] Block,
}

/// <summary>Why a user is no longer a member.</summary>
public enum GroupLeaveReason
{
    [JsonStringEnumMemberName("left")] Left,
    [JsonStringEnumMemberName("kicked")] Kicked,
    [JsonStringEnumMemberName("dissolved")] Dissolved,
}

public enum GroupJoinState
{
    [JsonStringEnumMemberName("joined")] Joined,
    [JsonStringEnumMemberName("pending")] Pending,
}

/// <summary>A group's public card: what anyone logged in may see.</summary>
public sealed record GroupInfo(
    long Id,
    string Name,
    string Avatar,
    string Introduction,
    string Announcement,
    GroupJoinPolicy JoinPolicy,
    bool MuteAll,
    long Owner,
    int MemberCount,
    int MaxMembers,
    DateTimeOffset CreatedAt,
    bool Dissolved = false);

/// <summary>One member of a group. <see cref="MutedUntil"/> is absent when not muted.</summary>
public sealed record GroupMember(long Number, GroupRole Role, DateTimeOffset JoinedAt, string? Card = null, DateTimeOffset? MutedUntil = null);

/// <summary>
/// A group message. <see cref="Seq"/> is its place in the group (1, 2, 3…); <see cref="Id"/> is global.
/// <see cref="Mentions"/> lists the members it mentions; <see cref="MentionAll"/> is @all (admins only).
/// </summary>
public sealed record GroupMessage(
    long Id,
    long GroupId,
    long From,
    long Seq,
    string ClientId,
    DateTimeOffset SentAt,
    string? Text = null,
    bool Recalled = false,
    long[]? Mentions = null,
    bool MentionAll = false,
    Attachment? Attachment = null)
{
    public bool Equals(GroupMessage? other) =>
        other is not null && Id == other.Id && GroupId == other.GroupId && From == other.From && Seq == other.Seq && ClientId == other.ClientId
        && SentAt == other.SentAt && Text == other.Text && Recalled == other.Recalled && MentionAll == other.MentionAll
        && (Mentions ?? []).SequenceEqual(other.Mentions ?? []) && Attachment == other.Attachment;

    public override int GetHashCode() => HashCode.Combine(Id, GroupId, Seq);
}

/// <summary>One of the caller's groups with their place in it. Unread = LastSeq − ReadSeq.</summary>
public sealed record GroupSummary(GroupInfo Group, GroupRole Role, GroupNotify Notify, long JoinedSeq, long LastSeq, long ReadSeq, long Unread, string? Card = null);

/// <summary>A pending request to join a group with the approval policy.</summary>
public sealed record GroupJoinRequest(long Id, long GroupId, long From, string Message, DateTimeOffset CreatedAt);

// --- Client frames ---------------------------------------------------------------------------------------

/// <summary>
/// Sends a message to a group. <see cref="ClientId"/> makes it idempotent (per sender and group);
/// <see cref="Mentions"/> are member numbers; <see cref="MentionAll"/> (@all) is for owner and admins.
/// With <see cref="FileId"/> it carries a file, picture or voice clip (<see cref="DurationMs"/>) and
/// <see cref="Text"/> is an optional caption, exactly as in one-to-one <c>msg.send</c>.
/// </summary>
public sealed record SendGroupMessage(long GroupId, string ClientId, string? Text = null, long[]? Mentions = null, bool MentionAll = false,
    string? FileId = null, int? DurationMs = null) : ClientFrame
{
    public bool Equals(SendGroupMessage? other) =>
        other is not null && base.Equals(other) && GroupId == other.GroupId && ClientId == other.ClientId && Text == other.Text
        && MentionAll == other.MentionAll && (Mentions ?? []).SequenceEqual(other.Mentions ?? []) && FileId == other.FileId && DurationMs == other.DurationMs;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), GroupId, ClientId, Text, MentionAll);
}

/// <summary>The user has read the group up to its message seq <see cref="Seq"/>.</summary>
public sealed record MarkGroupRead(long GroupId, long Seq) : ClientFrame;

/// <summary>Recalls a group message: one's own within the recall window, or any message by an admin or the owner.</summary>
public sealed record RecallGroupMessage(long GroupId, long MessageId) : ClientFrame;

// --- Server frames ---------------------------------------------------------------------------------------

/// <summary>The group message is durably stored; <see cref="Duplicate"/> when the client id was used before.</summary>
public sealed record GroupMessageAccepted(GroupMessage Message, bool Duplicate) : Reply;

/// <summary>A new group message, live to every connected device of every member (ephemeral: catch up over REST).</summary>
public sealed record GroupMessageReceived(GroupMessage Message) : ServerFrame;

/// <summary>A group message was recalled (live to connected members; history shows it recalled).</summary>
public sealed record GroupMessageRecalled(long GroupId, long Id, long MessageSeq, long By) : ServerFrame;

/// <summary>Live to the members: someone joined the group, or a member's card, role or mute changed.</summary>
public sealed record GroupMemberChanged(long GroupId, GroupMember Member) : ServerFrame;

/// <summary>Live to the remaining members: a member left or was kicked.</summary>
public sealed record GroupMemberLeft(long GroupId, long Number, GroupLeaveReason Reason) : ServerFrame;

/// <summary>The user is now a member (created, joined, approved or invited and accepted).</summary>
public sealed record GroupJoined(GroupSummary Group) : DurableEvent;

/// <summary>The user is no longer a member: left, kicked or the group was dissolved.</summary>
public sealed record GroupLeft(long GroupId, GroupLeaveReason Reason) : DurableEvent;

/// <summary>The group's card changed (name, avatar, introduction, announcement, policy, mute-all, owner).</summary>
public sealed record GroupUpdated(GroupInfo Group) : DurableEvent;

/// <summary>The user's own membership changed: role, card, mute, notify setting.</summary>
public sealed record GroupMembershipChanged(long GroupId, GroupMember Member, GroupNotify Notify) : DurableEvent;

/// <summary>The user was mentioned in a group message.</summary>
public sealed record GroupMentioned(long GroupId, long MessageId, long MessageSeq, long From) : DurableEvent;

/// <summary>To the reader's devices: the group is read up to <see cref="ReadSeq"/>.</summary>
public sealed record GroupRead(long GroupId, long ReadSeq) : DurableEvent;

/// <summary>To the owner and admins: someone asks to join.</summary>
public sealed record GroupJoinRequested(GroupJoinRequest Request) : DurableEvent;

/// <summary>To the requester: the join request was refused.</summary>
public sealed record GroupJoinRefused(long GroupId, long RequestId) : DurableEvent;

/// <summary>
/// To the owner and admins: an admin approved or refused a join request, so it leaves every admin's inbox
/// (the others would otherwise keep showing a request that is already answered).
/// </summary>
public sealed record GroupJoinRequestHandled(long GroupId, long RequestId, long By, bool Approved) : DurableEvent;

/// <summary>To the invitee: a member invited them; they join with POST /groups/{id}/join.</summary>
public sealed record GroupInvited(GroupInfo Group, long By) : DurableEvent;

// --- REST bodies -----------------------------------------------------------------------------------------

public sealed record CreateGroupRequest(string Name, string? Introduction = null, string? Avatar = null, GroupJoinPolicy? JoinPolicy = null);

/// <summary>PATCH /groups/{id}: null fields are unchanged.</summary>
public sealed record UpdateGroupRequest(string? Name = null, string? Avatar = null, string? Introduction = null, string? Announcement = null, GroupJoinPolicy? JoinPolicy = null);

public sealed record GroupList(GroupSummary[] Groups);

public sealed record GroupMemberList(GroupMember[] Members);

public sealed record JoinGroupRequest(string? Message = null);

public sealed record GroupJoinOutcome(GroupJoinState State, GroupSummary? Group = null, GroupJoinRequest? Request = null);

public sealed record GroupJoinRequestList(GroupJoinRequest[] Requests);

public sealed record InviteToGroupRequest(long Number);

/// <summary>Mutes a member for <see cref="Minutes"/> (0 lifts the mute).</summary>
public sealed record MuteMemberRequest(int Minutes);

public sealed record MuteAllRequest(bool Muted);

public sealed record TransferGroupRequest(long To);

public sealed record GroupCardRequest(string? Card = null);

public sealed record GroupNotifyRequest(GroupNotify Notify);

public sealed record GroupMessagePage(GroupMessage[] Messages, bool More);

/// <summary>How many members (the sender not counted) have read a message, out of how many could.</summary>
public sealed record GroupReadCount(long MessageSeq, int Read, int Members);
