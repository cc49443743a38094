using Penguin.Core.Presence;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Presence;

/// <summary>"presence": a device sets its own status; going offline is disconnecting.</summary>
internal sealed partial class SetPresenceHandler(PresenceService presence, ILogger<SetPresenceHandler> logger) : IFrameHandler<SetPresence>
{
    public async ValueTask HandleAsync(Connection connection, SetPresence frame, CancellationToken cancellationToken)
    {
        if (frame.Status == PresenceStatus.Offline || !Enum.IsDefined(frame.Status))
        {
            connection.Send(ErrorReply.From(Errors.InvalidField.With("Set online, away, busy, dnd or invisible; disconnect to go offline.", "可设为在线、离开、忙碌、请勿打扰或隐身；断开连接即为离线。"), frame.Id));
            return;
        }
        var session = connection.Session!;
        await presence.SetDeviceAsync(session.UserId, new DevicePresence(session.SessionId, session.Device, frame.Status), cancellationToken);
        connection.Send(new Ok { Re = frame.Id });
        LogStatusSet(session.UserId, session.SessionId, frame.Status);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "User {UserId} session {SessionId} set status {Status}")]
    private partial void LogStatusSet(long userId, long sessionId, PresenceStatus status);
}
