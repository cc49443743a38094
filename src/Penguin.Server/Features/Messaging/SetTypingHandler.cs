using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Messaging;

/// <summary>"typing": relayed to the peer's devices, not stored, no reply; remembered so a device that goes away ends it.</summary>
internal sealed class SetTypingHandler(MessagingService messaging) : IFrameHandler<SetTyping>
{
    public async ValueTask HandleAsync(Connection connection, SetTyping frame, CancellationToken cancellationToken)
    {
        if (await messaging.SetTypingAsync(connection.Session!.UserId, frame.To, frame.Active, cancellationToken) is not { IsOk: true, Value: true }) return;
        if (frame.Active) connection.FeatureState<TypingPeers>().Add(frame.To);
        else connection.FindFeatureState<TypingPeers>()?.Remove(frame.To);
    }
}
