using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Messaging;

/// <summary>"read": moves the caller's read cursor in a conversation.</summary>
internal sealed class MarkReadHandler(MessagingService messaging) : IFrameHandler<MarkRead>
{
    public async ValueTask HandleAsync(Connection connection, MarkRead frame, CancellationToken cancellationToken) =>
        connection.Answer(frame.Id, await messaging.MarkReadAsync(connection.Session!.UserId, frame.Peer, frame.Seq, cancellationToken));
}
