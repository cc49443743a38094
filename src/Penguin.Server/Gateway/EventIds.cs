namespace Penguin.Server.Gateway;

internal static class EventIds
{
    public static readonly EventId SlowConsumer = new(110, "SlowConsumer");
    public static readonly EventId PumpFailed = new(111, "PumpFailed");
    public static readonly EventId ReceiveFailed = new(112, "ReceiveFailed");
    public static readonly EventId HandlerFailed = new(113, "HandlerFailed");
}
