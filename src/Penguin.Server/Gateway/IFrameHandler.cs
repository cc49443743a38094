using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>
/// Handles one client op for an authenticated connection. A feature registers one per op it owns with
/// <see cref="GatewayRegistration.AddFrameHandler{TFrame, THandler}"/>; the gateway finds it by the frame's op.
/// Replies go through <see cref="Connection.Send"/>; a <c>StorageUnavailableException</c> is answered
/// "unavailable" by the gateway.
/// </summary>
public interface IFrameHandler<in TFrame> where TFrame : ClientFrame
{
    ValueTask HandleAsync(Connection connection, TFrame frame, CancellationToken cancellationToken);
}
