using System.Net;
using System.Net.WebSockets;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XMPP over WebSocket (RFC 7395) at /xmpp-websocket on the HTTP port: the upgrade (subprotocol <c>xmpp</c>), then the
/// same <see cref="XmppConnection"/> as TCP over an <see cref="XmppWebSocketStream"/>. Each stream counts against the
/// same cap as every other device connection.
/// </summary>
internal sealed class XmppWebSocketEndpoint(XmppServices services, ConnectionLimits limits, IHostApplicationLifetime lifetime)
{
    public const string Path = "/xmpp-websocket";
    public const string SubProtocol = "xmpp";

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("A WebSocket upgrade with the subprotocol 'xmpp' is required (RFC 7395) / 需要子协议为 xmpp 的 WebSocket 连接");
            return;
        }
        if (!limits.TryOpenWebSocket(context.Connection.RemoteIpAddress))
        {
            context.Response.Headers.RetryAfter = "5";
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("The server holds as many connections as it can; try again shortly. / 服务器连接数已满，请稍后再试。");
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = SubProtocol, KeepAliveInterval = TimeSpan.Zero });
            var remote = context.Connection.RemoteIpAddress ?? IPAddress.None;
            if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
            await using var stream = new XmppWebSocketStream(socket, services.Options.MaxStanzaBytes);
            using var connection = new XmppConnection(services, stream, remote, webSocket: true, secure: context.Request.IsHttps);
            await connection.RunAsync(lifetime.ApplicationStopping);
        }
        finally
        {
            limits.CloseWebSocket();
        }
    }
}
