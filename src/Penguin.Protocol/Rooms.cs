namespace Penguin.Protocol;

// Chat rooms (聊天室): the wire types of docs/protocol.md §12. A room is public, listed by topic with the number of
// people inside. Presence in a room belongs to a connection: what is said reaches the connections inside at that
// moment, live only; a room keeps its last 100 messages for newcomers, shown on entering.

/// <summary>A room in the directory. <see cref="People"/> is how many users are inside now.</summary>
public sealed record RoomInfo(long Id, string Name, string Topic, long Creator, int People, DateTimeOffset CreatedAt);

/// <summary>A message said in a room.</summary>
public sealed record RoomMessage(long Id, long RoomId, long From, string Text, DateTimeOffset SentAt);

/// <summary>Why a user is no longer inside a room.</summary>
public enum RoomExitReason
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("left")] Left,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("kicked")] Kicked,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("banned")] Banned,
}

// --- Client frames ---------------------------------------------------------------------------------------

/// <summary>Enters a room on this connection; the reply carries the room, who is inside and its recent messages.</summary>
public sealed record EnterRoom(long RoomId) : ClientFrame;

/// <summary>Leaves a room on this connection.</summary>
public sealed record LeaveRoom(long RoomId) : ClientFrame;

/// <summary>Says something in a room this connection is inside.</summary>
public sealed record SendRoomMessage(long RoomId, string Text) : ClientFrame;

// --- Server frames ---------------------------------------------------------------------------------------

/// <summary>Reply to "room.enter": the room, the numbers of the people inside (the caller included) and the last messages, oldest first.</summary>
public sealed record RoomEntered(RoomInfo Room, long[] People, RoomMessage[] Recent) : Reply;

/// <summary>Reply to "room.send": the message as stored and sent to everyone inside.</summary>
public sealed record RoomMessageAccepted(RoomMessage Message) : Reply;

/// <summary>A message said in a room this connection is inside (ephemeral).</summary>
public sealed record RoomMessageReceived(RoomMessage Message) : ServerFrame;

/// <summary>Someone entered a room this connection is inside (ephemeral).</summary>
public sealed record RoomPersonEntered(long RoomId, long Number, int People) : ServerFrame;

/// <summary>Someone is no longer inside a room this connection is inside (ephemeral).</summary>
public sealed record RoomPersonLeft(long RoomId, long Number, RoomExitReason Reason, int People) : ServerFrame;

/// <summary>To the connections of a user a moderator put out of the room: they are no longer inside.</summary>
public sealed record RoomRemoved(long RoomId, RoomExitReason Reason, long By) : ServerFrame;

// --- REST bodies -----------------------------------------------------------------------------------------

public sealed record CreateRoomRequest(string Name, string Topic);

public sealed record RoomList(RoomInfo[] Rooms);

/// <summary>The room's moderators: its creator first, then those appointed.</summary>
public sealed record RoomModeratorList(long[] Numbers);

public sealed record RoomBanList(long[] Numbers);
