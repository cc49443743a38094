using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>
/// A feature's part in a connection's life, called in registration order: what a device is told when it
/// comes online (before and after its missed events) and what its going away means.
/// </summary>
public interface IConnectionObserver
{
    /// <summary>The connection is authenticated and registered; frames sent now precede the missed events.</summary>
    ValueTask OnAuthenticatedAsync(Connection connection, Authenticate auth, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The missed events are queued: the device is live.</summary>
    ValueTask OnLiveAsync(Connection connection, Authenticate auth, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// An authenticated connection ended; <paramref name="lastOfSession"/> when no other connection of its session
    /// remains on this node (a replaced connection is not the last).
    /// </summary>
    ValueTask OnClosedAsync(Connection connection, bool lastOfSession) => ValueTask.CompletedTask;
}
