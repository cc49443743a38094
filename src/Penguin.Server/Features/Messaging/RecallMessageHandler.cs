using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Messaging;

/// <summary>"recall": the sender takes a message back (within the recall window) for both sides.</summary>
internal sealed partial class RecallMessageHandler(MessagingService messaging, ILogger<RecallMessageHandler> logger) : IFrameHandler<RecallMessage>
{
    public async ValueTask HandleAsync(Connection connection, RecallMessage frame, CancellationToken cancellationToken)
    {
        var recalled = await messaging.RecallAsync(connection.Session!.UserId, frame.MessageId, cancellationToken);
        connection.Answer(frame.Id, recalled);
        if (recalled.IsOk) LogRecalled(connection.Session.UserId, frame.MessageId);
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "User {UserId} recalled message {MessageId}")]
    private partial void LogRecalled(long userId, long messageId);
}
