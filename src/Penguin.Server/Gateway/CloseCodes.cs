using System.Net.WebSockets;

namespace Penguin.Server.Gateway;

/// <summary>Close codes of the gateway besides the standard ones (1000, 1001, 1009).</summary>
public static class CloseCodes
{
    public const WebSocketCloseStatus ServerStopping = WebSocketCloseStatus.EndpointUnavailable; // 1001
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013; // RFC 6455 registry: the storage is unavailable
    public const WebSocketCloseStatus SessionRevoked = (WebSocketCloseStatus)4001;
    public const WebSocketCloseStatus Replaced = (WebSocketCloseStatus)4002;
    public const WebSocketCloseStatus SlowConsumer = (WebSocketCloseStatus)4003;
    public const WebSocketCloseStatus HeartbeatTimeout = (WebSocketCloseStatus)4008;
}
