using System.Text.Json;
using Penguin.Core.Bus;
using Penguin.Core.Common;
using Penguin.Core.Rooms;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Rooms;

/// <summary>
/// Entering, leaving, speaking and being put out of rooms: the rules come from <see cref="RoomService"/>, who is
/// inside on this node from <see cref="RoomPresence"/>, who is inside on any node from <see cref="IRoomOccupancy"/>.
/// A frame for a room is serialized once; the same bytes are queued on every connection inside on this node and
/// published once to the room's bus topic, which crosses once to each other node with someone inside (a node
/// subscribes to <c>room.&lt;id&gt;</c> while it holds at least one connection inside). A put-out travels the same
/// way as a topic delivery with <see cref="Delivery.EndSession"/> set and the user's number in
/// <see cref="Delivery.Seq"/>: each node removes that user's connections from the room and hands them the frame.
/// </summary>
public sealed partial class RoomHub : IDisposable
{
    private readonly RoomService _rooms;
    private readonly RoomPresence _presence;
    private readonly IRoomOccupancy _occupancy;
    private readonly IEventBus _bus;
    private readonly ILogger<RoomHub> _logger;
    // Subscribing and unsubscribing take turns, so the bus ends bound exactly to the rooms with someone inside here.
    private readonly SemaphoreSlim _topics = new(1, 1);
    private readonly HashSet<long> _subscribed = [];

    public RoomHub(RoomService rooms, RoomPresence presence, IRoomOccupancy occupancy, IEventBus bus, ConnectionRegistry registry, ILogger<RoomHub> logger)
    {
        (_rooms, _presence, _occupancy, _bus, _logger) = (rooms, presence, occupancy, bus, logger);
        registry.HandleTopics(TopicPrefix, OnTopicDelivery);
    }

    private const string TopicPrefix = "room.";

    public void Dispose() => _topics.Dispose();

    public async ValueTask<Result<RoomEntered>> EnterAsync(Connection connection, long roomId, CancellationToken cancellationToken)
    {
        var userId = connection.Session!.UserId;
        var entered = connection.FeatureState<RoomsEntered>();
        entered.RemoveWhere(id => !_presence.IsInside(id, connection)); // kicked meanwhile
        if (!entered.Contains(roomId) && entered.Count >= Limits.MaxRoomsPerConnection)
            return Errors.LimitReached.With($"A connection may be inside at most {Limits.MaxRoomsPerConnection} rooms.", $"一个连接最多同时进入 {Limits.MaxRoomsPerConnection} 个聊天室。");
        var may = await _rooms.CheckEnterAsync(userId, roomId, cancellationToken);
        if (!may.IsOk) return may.Error;
        var (arrivedHere, _, _) = _presence.Enter(roomId, connection);
        entered.Add(roomId);
        await SyncTopicAsync(roomId); // bound before anyone is told, so nothing said after the reply is missed
        var arrived = arrivedHere && await _occupancy.EnterAsync(roomId, userId, cancellationToken);
        var numbers = await _occupancy.PeopleAsync(roomId, cancellationToken);
        if (arrived) await BroadcastAsync(roomId, new RoomPersonEntered(roomId, userId, numbers.Count), except: connection);
        LogEntered(userId, roomId);
        return new RoomEntered(may.Value.Room.ToWire(numbers.Count), [.. numbers], [.. may.Value.Recent.Select(m => m.ToWire())]);
    }

    public async ValueTask<Result<bool>> LeaveAsync(Connection connection, long roomId, CancellationToken cancellationToken)
    {
        connection.FindFeatureState<RoomsEntered>()?.Remove(roomId);
        var (wasInside, goneHere, _) = _presence.Leave(roomId, connection);
        if (!wasInside) return Errors.NotInRoom.With("You are not inside this room.", "你不在这个聊天室中。");
        await AfterLeavingAsync(roomId, connection.Session!.UserId, goneHere, cancellationToken);
        return true;
    }

    /// <summary>The connection went away: it leaves every room it was inside.</summary>
    public async ValueTask LeaveAllAsync(Connection connection)
    {
        if (connection.FindFeatureState<RoomsEntered>() is not { } entered) return;
        foreach (var roomId in entered.ToArray())
        {
            var (wasInside, goneHere, _) = _presence.Leave(roomId, connection);
            if (!wasInside) continue;
            try
            {
                await AfterLeavingAsync(roomId, connection.Session!.UserId, goneHere, CancellationToken.None);
            }
            catch (StorageUnavailableException e)
            {
                // The row stays until this node's upkeep can reach the database; nobody inside is told meanwhile.
                LogLeaveUnrecorded(connection.Session!.UserId, roomId, e.Message);
            }
        }
    }

    private async ValueTask AfterLeavingAsync(long roomId, long userId, bool goneHere, CancellationToken cancellationToken)
    {
        await SyncTopicAsync(roomId);
        if (!goneHere || !await _occupancy.LeaveAsync(roomId, userId, cancellationToken)) return;
        var people = await PeopleAsync(roomId, cancellationToken);
        await BroadcastAsync(roomId, new RoomPersonLeft(roomId, userId, RoomExitReason.Left, people));
    }

    public async ValueTask<Result<RoomMessage>> SayAsync(Connection connection, long roomId, string? text, CancellationToken cancellationToken)
    {
        var userId = connection.Session!.UserId;
        if (!_presence.IsInside(roomId, connection))
        {
            var room = await _rooms.GetAsync(roomId, cancellationToken);
            return room.IsOk ? Errors.NotInRoom : room.Error;
        }
        var said = await _rooms.SayAsync(userId, roomId, text, cancellationToken);
        if (!said.IsOk) return said.Error;
        var message = said.Value.ToWire();
        await BroadcastAsync(roomId, new RoomMessageReceived(message), except: connection);
        return message;
    }

    /// <summary>A moderator puts the user out of the room now, on whichever node holds them; they may enter again (unlike a ban).</summary>
    public async ValueTask<Result<bool>> KickAsync(long moderatorId, long roomId, long target, CancellationToken cancellationToken)
    {
        var may = await _rooms.CheckMayPutOutAsync(moderatorId, roomId, target, cancellationToken);
        if (!may.IsOk) return may.Error;
        if (!(await _occupancy.PeopleAsync(roomId, cancellationToken)).Contains(target))
            return Errors.NotInRoom.With("This user is not inside the room.", "该用户不在这个聊天室中。");
        await PutOutAsync(roomId, target, moderatorId, RoomExitReason.Kicked, cancellationToken);
        LogPutOut(moderatorId, target, roomId, "kicked");
        return true;
    }

    /// <summary>A moderator bans the user: put out now if inside (on any node), and refused on entering until the ban is lifted.</summary>
    public async ValueTask<Result<bool>> BanAsync(long moderatorId, long roomId, long target, CancellationToken cancellationToken)
    {
        var banned = await _rooms.BanAsync(moderatorId, roomId, target, cancellationToken);
        if (!banned.IsOk) return banned.Error;
        await PutOutAsync(roomId, target, moderatorId, RoomExitReason.Banned, cancellationToken);
        LogPutOut(moderatorId, target, roomId, "banned");
        return true;
    }

    /// <summary>How many users are inside the rooms, on every node.</summary>
    public ValueTask<IReadOnlyDictionary<long, int>> CountsAsync(IReadOnlyList<long> roomIds, CancellationToken cancellationToken) =>
        _occupancy.CountsAsync(roomIds, cancellationToken);

    private async ValueTask PutOutAsync(long roomId, long target, long by, RoomExitReason reason, CancellationToken cancellationToken)
    {
        var wasInside = (await _occupancy.PeopleAsync(roomId, cancellationToken)).Contains(target);
        var notice = Serialize(new RoomRemoved(roomId, reason, by));
        PutOutHere(roomId, target, notice);
        await _bus.PublishToTopicAsync(TopicName.Room(roomId), new Delivery(notice, Seq: target, EndSession: true), cancellationToken);
        await _occupancy.RemoveEverywhereAsync(roomId, target, cancellationToken);
        if (!wasInside) return;
        // The same topic, after the put-out: each node has removed the user before this arrives.
        await BroadcastAsync(roomId, new RoomPersonLeft(roomId, target, reason, await PeopleAsync(roomId, cancellationToken)));
    }

    private void PutOutHere(long roomId, long target, byte[] notice)
    {
        var (removed, _) = _presence.RemoveUser(roomId, target);
        if (removed.Length == 0) return;
        foreach (var connection in removed) connection.Deliver(new Delivery(notice));
        _ = SyncTopicAsync(roomId);
    }

    /// <summary>A room frame from another node: to the connections inside here, or a put-out.</summary>
    private void OnTopicDelivery(string topic, Delivery delivery)
    {
        if (!long.TryParse(topic.AsSpan(TopicPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var roomId)) return;
        if (delivery.EndSession)
        {
            PutOutHere(roomId, delivery.Seq, delivery.Frame);
            return;
        }
        var frame = new Delivery(delivery.Frame);
        foreach (var connection in _presence.ConnectionsIn(roomId)) connection.Deliver(frame);
    }

    private async ValueTask<int> PeopleAsync(long roomId, CancellationToken cancellationToken) =>
        (await _occupancy.CountsAsync([roomId], cancellationToken)).GetValueOrDefault(roomId);

    private async ValueTask BroadcastAsync(long roomId, ServerFrame frame, Connection? except = null)
    {
        var delivery = new Delivery(Serialize(frame));
        foreach (var connection in _presence.ConnectionsIn(roomId))
            if (connection != except) connection.Deliver(delivery);
        await _bus.PublishToTopicAsync(TopicName.Room(roomId), delivery);
    }

    /// <summary>Binds the room's topic while this node has a connection inside, and unbinds it once it has none.</summary>
    private async Task SyncTopicAsync(long roomId)
    {
        await _topics.WaitAsync();
        try
        {
            var inside = _presence.People(roomId) > 0;
            if (inside && _subscribed.Add(roomId)) await _bus.SubscribeAsync(TopicName.Room(roomId));
            else if (!inside && _subscribed.Remove(roomId)) await _bus.UnsubscribeAsync(TopicName.Room(roomId));
        }
        finally
        {
            _topics.Release();
        }
    }

    private static byte[] Serialize(ServerFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, PenguinJson.Wire.ServerFrame);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "User {UserId} entered room {RoomId}")]
    private partial void LogEntered(long userId, long roomId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "User {UserId} left room {RoomId} but it could not be recorded: {Reason}")]
    private partial void LogLeaveUnrecorded(long userId, long roomId, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Moderator {ModeratorId} put user {UserId} out of room {RoomId}: {Reason}")]
    private partial void LogPutOut(long moderatorId, long userId, long roomId, string reason);
}
