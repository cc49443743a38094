using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Messaging;

/// <summary>"delete": removes a message from the caller's own view only.</summary>
internal sealed class DeleteMessageHandler(MessagingService messaging) : IFrameHandler<DeleteMessage>
{
    public async ValueTask HandleAsync(Connection connection, DeleteMessage frame, CancellationToken cancellationToken) =>
        connection.Answer(frame.Id, await messaging.DeleteForUserAsync(connection.Session!.UserId, frame.MessageId, cancellationToken));
}
