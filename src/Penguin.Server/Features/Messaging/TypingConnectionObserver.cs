using Penguin.Core.Messaging;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Messaging;

/// <summary>An indicator a device left on would otherwise show until the peer's client times it out: it is ended when the device goes.</summary>
internal sealed class TypingConnectionObserver(MessagingService messaging) : IConnectionObserver
{
    public async ValueTask OnClosedAsync(Connection connection, bool lastOfSession)
    {
        if (connection.FindFeatureState<TypingPeers>() is not { } peers) return;
        foreach (var peer in peers) await messaging.EndTypingAsync(connection.Session!.UserId, peer);
    }
}
