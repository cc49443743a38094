using System.Text.Json;
using Penguin.Core.Bus;
using Penguin.Core.Common;
using Penguin.Core.Rooms;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Rooms;

/// <summary>
/// Entering, leaving, speaking and being put out of rooms: the rules come from <see cref="RoomService"/>, who is
/// inside from <see cref="RoomPresence"/>. A frame for a room is serialized once and the same bytes are queued on
/// every connection inside (each connection's bounded queue protects the others from a slow one).
/// </summary>
public sealed partial class RoomHub(RoomService rooms, RoomPresence presence, ILogger<RoomHub> logger)
{
    public async ValueTask<Result<RoomEntered>> EnterAsync(Connection connection, long roomId, CancellationToken cancellationToken)
    {
        var userId = connection.Session!.UserId;
        var entered = connection.FeatureState<RoomsEntered>();
        entered.RemoveWhere(id => !presence.IsInside(id, connection)); // kicked meanwhile
        if (!entered.Contains(roomId) && entered.Count >= Limits.MaxRoomsPerConnection)
            return Errors.LimitReached.With($"A connection may be inside at most {Limits.MaxRoomsPerConnection} rooms.", $"一个连接最多同时进入 {Limits.MaxRoomsPerConnection} 个聊天室。");
        var may = await rooms.CheckEnterAsync(userId, roomId, cancellationToken);
        if (!may.IsOk) return may.Error;
        var (arrived, people, numbers) = presence.Enter(roomId, connection);
        entered.Add(roomId);
        if (arrived) Broadcast(roomId, new RoomPersonEntered(roomId, userId, people), except: connection);
        LogEntered(userId, roomId);
        return new RoomEntered(may.Value.Room.ToWire(people), numbers, [.. may.Value.Recent.Select(m => m.ToWire())]);
    }

    public Result<bool> Leave(Connection connection, long roomId)
    {
        connection.FindFeatureState<RoomsEntered>()?.Remove(roomId);
        var (wasInside, gone, people) = presence.Leave(roomId, connection);
        if (!wasInside) return Errors.NotInRoom.With("You are not inside this room.", "你不在这个聊天室中。");
        if (gone) Broadcast(roomId, new RoomPersonLeft(roomId, connection.Session!.UserId, RoomExitReason.Left, people));
        return true;
    }

    /// <summary>The connection went away: it leaves every room it was inside.</summary>
    public void LeaveAll(Connection connection)
    {
        if (connection.FindFeatureState<RoomsEntered>() is not { } entered) return;
        foreach (var roomId in entered)
        {
            var (_, gone, people) = presence.Leave(roomId, connection);
            if (gone) Broadcast(roomId, new RoomPersonLeft(roomId, connection.Session!.UserId, RoomExitReason.Left, people));
        }
    }

    public async ValueTask<Result<RoomMessage>> SayAsync(Connection connection, long roomId, string? text, CancellationToken cancellationToken)
    {
        var userId = connection.Session!.UserId;
        if (!presence.IsInside(roomId, connection))
        {
            var room = await rooms.GetAsync(roomId, cancellationToken);
            return room.IsOk ? Errors.NotInRoom : room.Error;
        }
        var said = await rooms.SayAsync(userId, roomId, text, cancellationToken);
        if (!said.IsOk) return said.Error;
        var message = said.Value.ToWire();
        Broadcast(roomId, new RoomMessageReceived(message), except: connection);
        return message;
    }

    /// <summary>A moderator puts the user out of the room now; they may enter again (unlike a ban).</summary>
    public async ValueTask<Result<bool>> KickAsync(long moderatorId, long roomId, long target, CancellationToken cancellationToken)
    {
        var may = await rooms.CheckMayPutOutAsync(moderatorId, roomId, target, cancellationToken);
        if (!may.IsOk) return may.Error;
        if (!presence.IsInside(roomId, target)) return Errors.NotInRoom.With("This user is not inside the room.", "该用户不在这个聊天室中。");
        PutOut(roomId, target, moderatorId, RoomExitReason.Kicked);
        LogPutOut(moderatorId, target, roomId, "kicked");
        return true;
    }

    /// <summary>A moderator bans the user: put out now if inside, and refused on entering until the ban is lifted.</summary>
    public async ValueTask<Result<bool>> BanAsync(long moderatorId, long roomId, long target, CancellationToken cancellationToken)
    {
        var banned = await rooms.BanAsync(moderatorId, roomId, target, cancellationToken);
        if (!banned.IsOk) return banned.Error;
        PutOut(roomId, target, moderatorId, RoomExitReason.Banned);
        LogPutOut(moderatorId, target, roomId, "banned");
        return true;
    }

    private void PutOut(long roomId, long target, long by, RoomExitReason reason)
    {
        var (removed, people) = presence.RemoveUser(roomId, target);
        if (removed.Length == 0) return;
        var notice = Serialize(new RoomRemoved(roomId, reason, by));
        foreach (var connection in removed) connection.Deliver(new Delivery(notice));
        Broadcast(roomId, new RoomPersonLeft(roomId, target, reason, people));
    }

    private void Broadcast(long roomId, ServerFrame frame, Connection? except = null)
    {
        var connections = presence.ConnectionsIn(roomId);
        if (connections.Length == 0) return;
        var delivery = new Delivery(Serialize(frame));
        foreach (var connection in connections)
            if (connection != except) connection.Deliver(delivery);
    }

    private static byte[] Serialize(ServerFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, PenguinJson.Wire.ServerFrame);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "User {UserId} entered room {RoomId}")]
    private partial void LogEntered(long userId, long roomId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Moderator {ModeratorId} put user {UserId} out of room {RoomId}: {Reason}")]
    private partial void LogPutOut(long moderatorId, long userId, long roomId, string reason);
}
