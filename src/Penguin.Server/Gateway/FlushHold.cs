namespace Penguin.Server.Gateway;

/// <summary>
/// Lets a connection's pump write a burst of frames with one flush, i.e. one send system call: while the hold is
/// set in the pump's async flow, its writes to the transport are only buffered, and the next write without it
/// flushes them all. Writes from any other flow (a pong or a close from the receive loop) never see the hold,
/// so they always flush. Only the transport of <see cref="WebSocketUpgrade"/> honours it.
/// </summary>
internal static class FlushHold
{
    private static readonly AsyncLocal<bool> Held = new();

    public static bool IsHeld => Held.Value;

    public static void Set(bool hold)
    {
        if (Held.Value != hold) Held.Value = hold;
    }
}
