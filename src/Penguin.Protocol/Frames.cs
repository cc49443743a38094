using System.Text.Json.Serialization;

namespace Penguin.Protocol;

// WebSocket frames of protocol version 1. Every frame is one JSON text message.
// Client frames carry "op" and an optional "id"; the reply to a request echoes that id as "re".
// Durable events carry "seq", the user's sync sequence; ephemeral events (presence) carry none.

[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(Authenticate), "auth")]
[JsonDerivedType(typeof(Ping), "ping")]
[JsonDerivedType(typeof(SetPresence), "presence.set")]
[JsonDerivedType(typeof(Sync), "sync")]
[JsonDerivedType(typeof(Acknowledge), "ack")]
[JsonDerivedType(typeof(SendMessage), "msg.send")]
[JsonDerivedType(typeof(MarkRead), "msg.read")]
[JsonDerivedType(typeof(RecallMessage), "msg.recall")]
[JsonDerivedType(typeof(DeleteMessage), "msg.delete")]
[JsonDerivedType(typeof(SetTyping), "typing")]
// Groups (Groups.cs)
[JsonDerivedType(typeof(SendGroupMessage), "group.send")]
[JsonDerivedType(typeof(MarkGroupRead), "group.read")]
[JsonDerivedType(typeof(RecallGroupMessage), "group.recall")]
// Chat rooms (Rooms.cs)
[JsonDerivedType(typeof(EnterRoom), "room.enter")]
[JsonDerivedType(typeof(LeaveRoom), "room.leave")]
[JsonDerivedType(typeof(SendRoomMessage), "room.send")]
public abstract record ClientFrame
{
    /// <summary>Chosen by the client; echoed as "re" in the reply. 0 means "no reply correlation".</summary>
    public long Id { get; init; }
}

/// <summary>First frame on a connection: the session token from login and, on resume, the last seq the device holds.</summary>
public sealed record Authenticate(string Token, long? Since = null, PresenceStatus? Status = null) : ClientFrame;

public sealed record Ping : ClientFrame;

/// <summary>Sets this device's status; the user's status is the most available of their devices.</summary>
public sealed record SetPresence(PresenceStatus Status) : ClientFrame;

/// <summary>Asks for every durable event after <see cref="Since"/>; they arrive in order, then a <see cref="Synced"/> reply.</summary>
public sealed record Sync(long Since) : ClientFrame;

/// <summary>The device holds every durable event up to <see cref="Seq"/>: messages up to there count as delivered. No reply.</summary>
public sealed record Acknowledge(long Seq) : ClientFrame;

/// <summary>
/// Sends a text message to <see cref="To"/>. <see cref="ClientId"/> (1–64 characters, unique per sender, e.g. a UUID)
/// makes the send idempotent: a retry with the same id is the same message.
/// </summary>
public sealed record SendMessage(long To, string ClientId, string? Text = null) : ClientFrame
{
    /// <summary>A file, picture or voice clip the sender uploaded (docs/protocol.md, "Files"); <see cref="Text"/> is then an optional caption.</summary>
    public string? FileId { get; init; }

    /// <summary>A voice clip's length as the sender recorded it, in milliseconds.</summary>
    public int? DurationMs { get; init; }
}

/// <summary>The user has read the conversation with <see cref="Peer"/> up to message seq <see cref="Seq"/>.</summary>
public sealed record MarkRead(long Peer, long Seq) : ClientFrame;

/// <summary>Recalls one's own message within the recall window; both sides see it recalled and the text is erased.</summary>
public sealed record RecallMessage(long MessageId) : ClientFrame;

/// <summary>Deletes a message for this user only (every device of theirs).</summary>
public sealed record DeleteMessage(long MessageId) : ClientFrame;

/// <summary>Typing indicator for the conversation with <see cref="To"/>; relayed live, never stored. No reply.</summary>
public sealed record SetTyping(long To, bool Active) : ClientFrame;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Authenticated), "authed")]
[JsonDerivedType(typeof(Pong), "pong")]
[JsonDerivedType(typeof(Ok), "ok")]
[JsonDerivedType(typeof(ErrorReply), "error")]
[JsonDerivedType(typeof(Synced), "synced")]
[JsonDerivedType(typeof(PresenceChanged), "presence")]
[JsonDerivedType(typeof(PresenceSnapshot), "presence.snapshot")]
[JsonDerivedType(typeof(SessionEnded), "session.ended")]
[JsonDerivedType(typeof(FriendRequested), "friend.request")]
[JsonDerivedType(typeof(FriendRequestDeclined), "friend.request.declined")]
[JsonDerivedType(typeof(FriendAdded), "friend.added")]
[JsonDerivedType(typeof(FriendRemoved), "friend.removed")]
[JsonDerivedType(typeof(FriendUpdated), "friend.updated")]
[JsonDerivedType(typeof(BuddyGroupsChanged), "buddygroups.changed")]
[JsonDerivedType(typeof(ProfileUpdated), "profile.updated")]
[JsonDerivedType(typeof(SettingsUpdated), "settings.updated")]
[JsonDerivedType(typeof(BlocksChanged), "blocks.changed")]
[JsonDerivedType(typeof(MessageAccepted), "msg.sent")]
[JsonDerivedType(typeof(MessageReceived), "message")]
[JsonDerivedType(typeof(MessageReceipt), "message.receipt")]
[JsonDerivedType(typeof(ConversationRead), "conversation.read")]
[JsonDerivedType(typeof(MessageRecalled), "message.recalled")]
[JsonDerivedType(typeof(MessageDeleted), "message.deleted")]
[JsonDerivedType(typeof(TypingChanged), "typing")]
// Groups (Groups.cs)
[JsonDerivedType(typeof(GroupMessageAccepted), "group.sent")]
[JsonDerivedType(typeof(GroupMessageReceived), "group.message")]
[JsonDerivedType(typeof(GroupMessageRecalled), "group.recalled")]
[JsonDerivedType(typeof(GroupMemberChanged), "group.member")]
[JsonDerivedType(typeof(GroupMemberLeft), "group.member.left")]
[JsonDerivedType(typeof(GroupJoined), "group.joined")]
[JsonDerivedType(typeof(GroupLeft), "group.left")]
[JsonDerivedType(typeof(GroupUpdated), "group.updated")]
// Wallet (Wallet.cs)
[JsonDerivedType(typeof(WalletTransferUpdated), "wallet.transfer")]
[JsonDerivedType(typeof(RedPacketUpdated), "wallet.redpacket")]
[JsonDerivedType(typeof(WalletPaymentUpdated), "wallet.payment")]
[JsonDerivedType(typeof(GroupMembershipChanged), "group.membership")]
[JsonDerivedType(typeof(GroupMentioned), "group.mentioned")]
[JsonDerivedType(typeof(GroupRead), "group.read")]
[JsonDerivedType(typeof(GroupJoinRequested), "group.request")]
[JsonDerivedType(typeof(GroupJoinRefused), "group.request.refused")]
[JsonDerivedType(typeof(GroupJoinRequestHandled), "group.request.handled")]
[JsonDerivedType(typeof(GroupInvited), "group.invited")]
// Chat rooms (Rooms.cs)
[JsonDerivedType(typeof(RoomEntered), "room.entered")]
[JsonDerivedType(typeof(RoomMessageAccepted), "room.sent")]
[JsonDerivedType(typeof(RoomMessageReceived), "room.message")]
[JsonDerivedType(typeof(RoomPersonEntered), "room.person.entered")]
[JsonDerivedType(typeof(RoomPersonLeft), "room.person.left")]
[JsonDerivedType(typeof(RoomRemoved), "room.removed")]
public abstract record ServerFrame;

/// <summary>A frame answering a client request.</summary>
public abstract record Reply : ServerFrame
{
    /// <summary>The id of the request answered; 0 when the failing frame had no readable id.</summary>
    public long Re { get; init; }
}

public sealed record Authenticated(Profile Me, AccountSettings Settings, long SessionId, DeviceKind Device, long Seq) : Reply;

public sealed record Pong : Reply;

public sealed record Ok : Reply;

public sealed record ErrorReply(string Code, string Message, string MessageZh) : Reply
{
    public static ErrorReply From(Error error, long re) => new(error.Code, error.Message, error.MessageZh) { Re = re };
}

/// <summary>Ends a sync: every durable event up to <see cref="Seq"/> has been sent.</summary>
public sealed record Synced(long Seq) : Reply;

/// <summary>A friend's presence changed (ephemeral, not stored).</summary>
public sealed record PresenceChanged(UserPresence Presence) : ServerFrame;

/// <summary>Presence of every friend, sent right after authentication.</summary>
public sealed record PresenceSnapshot(UserPresence[] Friends) : ServerFrame;

/// <summary>The server is closing this device's session (logged out elsewhere, too slow...).</summary>
public sealed record SessionEnded(string Code, string Message, string MessageZh) : ServerFrame;

/// <summary>An event stored in the user's log, delivered live and again by sync after <see cref="Seq"/>.</summary>
public abstract record DurableEvent : ServerFrame
{
    public long Seq { get; init; }
}

/// <summary>A friend request was sent (to both the sender's and the receiver's devices).</summary>
public sealed record FriendRequested(FriendRequest Request) : DurableEvent;

public sealed record FriendRequestDeclined(long RequestId, long By) : DurableEvent;

/// <summary>A new friend, from the point of view of the user receiving the event.</summary>
public sealed record FriendAdded(Profile Profile, long GroupId, string? Remark = null) : DurableEvent;

public sealed record FriendRemoved(long Number) : DurableEvent;

public sealed record FriendUpdated(long Number, long GroupId, string? Remark = null) : DurableEvent;

public sealed record BuddyGroupsChanged(BuddyGroup[] Groups) : DurableEvent;

/// <summary>The user's own profile or a friend's profile changed.</summary>
public sealed record ProfileUpdated(Profile Profile) : DurableEvent;

public sealed record SettingsUpdated(AccountSettings Settings) : DurableEvent;

public sealed record BlocksChanged(long[] Blocked) : DurableEvent;

/// <summary>The message is durably stored: its server id, conversation seq and time. <see cref="Duplicate"/> when a retry.</summary>
public sealed record MessageAccepted(Message Message, bool Duplicate) : Reply;

/// <summary>A message in one of the user's conversations, sent by a peer or by the user from any device.</summary>
public sealed record MessageReceived(Message Message) : DurableEvent;

/// <summary>To the sender: <see cref="Peer"/> has received (on some device) and read the conversation up to these seqs.</summary>
public sealed record MessageReceipt(long Peer, long DeliveredSeq, long ReadSeq) : DurableEvent;

/// <summary>To the reader's own devices: the conversation with <see cref="Peer"/> is read up to <see cref="ReadSeq"/>.</summary>
public sealed record ConversationRead(long Peer, long ReadSeq) : DurableEvent;

public sealed record MessageRecalled(long Peer, long Id, long MessageSeq) : DurableEvent;

public sealed record MessageDeleted(long Peer, long Id) : DurableEvent;

/// <summary>A peer started or stopped typing to the user (ephemeral).</summary>
public sealed record TypingChanged(long From, bool Active) : ServerFrame;
