using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Rooms;

/// <summary>"room.enter": answered "room.entered" with who is inside and the last messages, or an error (unknown room, banned, too many rooms).</summary>
internal sealed class EnterRoomHandler(RoomHub hub) : IFrameHandler<EnterRoom>
{
    public async ValueTask HandleAsync(Connection connection, EnterRoom frame, CancellationToken cancellationToken)
    {
        var entered = await hub.EnterAsync(connection, frame.RoomId, cancellationToken);
        connection.Send(entered.IsOk ? entered.Value with { Re = frame.Id } : ErrorReply.From(entered.Error, frame.Id));
    }
}

/// <summary>"room.leave": answered "ok", or "not_in_room".</summary>
internal sealed class LeaveRoomHandler(RoomHub hub) : IFrameHandler<LeaveRoom>
{
    public async ValueTask HandleAsync(Connection connection, LeaveRoom frame, CancellationToken cancellationToken) =>
        connection.Answer(frame.Id, await hub.LeaveAsync(connection, frame.RoomId, cancellationToken));
}

/// <summary>"room.send": answered "room.sent"; everyone else inside gets "room.message".</summary>
internal sealed class SendRoomMessageHandler(RoomHub hub) : IFrameHandler<SendRoomMessage>
{
    public async ValueTask HandleAsync(Connection connection, SendRoomMessage frame, CancellationToken cancellationToken)
    {
        var said = await hub.SayAsync(connection, frame.RoomId, frame.Text, cancellationToken);
        connection.Send(said.IsOk ? new RoomMessageAccepted(said.Value) { Re = frame.Id } : ErrorReply.From(said.Error, frame.Id));
    }
}

/// <summary>A connection that goes away leaves every room it was inside.</summary>
internal sealed class RoomsConnectionObserver(RoomHub hub) : IConnectionObserver
{
    public ValueTask OnClosedAsync(Connection connection, bool lastOfSession) => hub.LeaveAllAsync(connection);
}
