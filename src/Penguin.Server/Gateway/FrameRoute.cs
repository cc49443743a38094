using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>One op and the handler registered for it, typed once at start-up so dispatch needs no reflection.</summary>
public sealed class FrameRoute
{
    private FrameRoute(Type frameType, Func<Connection, ClientFrame, CancellationToken, ValueTask> handle)
    {
        FrameType = frameType;
        Handle = handle;
    }

    public Type FrameType { get; }

    public Func<Connection, ClientFrame, CancellationToken, ValueTask> Handle { get; }

    public static FrameRoute For<TFrame>(IFrameHandler<TFrame> handler) where TFrame : ClientFrame =>
        new(typeof(TFrame), (connection, frame, cancellationToken) => handler.HandleAsync(connection, (TFrame)frame, cancellationToken));
}
