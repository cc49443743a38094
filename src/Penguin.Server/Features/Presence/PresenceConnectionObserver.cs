using Penguin.Core.Presence;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Presence;

/// <summary>
/// A device coming online gets its friends' presence before its missed events, then shows its own status
/// (online unless "auth" asked for another); the last connection of a session going away takes it offline.
/// </summary>
internal sealed class PresenceConnectionObserver(PresenceService presence) : IConnectionObserver
{
    public async ValueTask OnAuthenticatedAsync(Connection connection, Authenticate auth, CancellationToken cancellationToken) =>
        connection.Send(new PresenceSnapshot(await presence.GetFriendsAsync(connection.Session!.UserId, cancellationToken)));

    public ValueTask OnLiveAsync(Connection connection, Authenticate auth, CancellationToken cancellationToken)
    {
        var session = connection.Session!;
        var status = auth.Status is { } wanted && wanted != PresenceStatus.Offline && Enum.IsDefined(wanted) ? wanted : PresenceStatus.Online;
        return presence.SetDeviceAsync(session.UserId, new DevicePresence(session.SessionId, session.Device, status), cancellationToken);
    }

    public ValueTask OnClosedAsync(Connection connection, bool lastOfSession) =>
        lastOfSession ? presence.RemoveDeviceAsync(connection.Session!.UserId, connection.Session.SessionId) : ValueTask.CompletedTask;
}
