using System.Net.WebSockets;
using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The gateway's <see cref="Gateway.Connection"/> drives a WebSocket; an XMPP resource gives it this one, which turns
/// each server frame the connection sends into stanzas on the XMPP stream. So an XMPP resource is registered and
/// delivered to exactly like a WebSocket device — the same bus routing, bounded queue, seq cursor and gap filling from
/// the event log (offline messages), slow-consumer and session-end handling — and the gateway knows nothing of XMPP.
/// </summary>
internal sealed class XmppFrameSocket(XmppConnection owner) : WebSocket
{
    private WebSocketState _state = WebSocketState.Open;

    public override WebSocketCloseStatus? CloseStatus => null;
    public override string? CloseStatusDescription => null;
    public override WebSocketState State => _state;
    public override string? SubProtocol => "xmpp";

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var frame = JsonSerializer.Deserialize(buffer.Span, PenguinJson.Wire.ServerFrame);
        if (frame is not null) await owner.DeliverAsync(frame, cancellationToken);
        // The last frame of a burst sends what the held ones gathered, also when it wrote no stanza itself.
        if (!Gateway.FlushHold.IsHeld) await owner.FlushAsync();
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    /// <summary>The session ended (replaced, logged out, too slow, silent): the stream ends with the matching stream error.</summary>
    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        _state = WebSocketState.CloseSent;
        await owner.EndFromGatewayAsync(closeStatus);
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException("An XMPP resource's input is read by its XML stream, not through the connection.");

    public override void Abort() => _state = WebSocketState.Aborted;

    public override void Dispose() => _state = WebSocketState.Closed;
}
