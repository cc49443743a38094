using Penguin.Core.Groups;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Groups;

/// <summary>"group.recall": the sender within the recall window, or an admin, takes a group message back.</summary>
internal sealed partial class RecallGroupMessageHandler(GroupService groups, ILogger<RecallGroupMessageHandler> logger) : IFrameHandler<RecallGroupMessage>
{
    public async ValueTask HandleAsync(Connection connection, RecallGroupMessage frame, CancellationToken cancellationToken)
    {
        var recalled = await groups.RecallAsync(connection.Session!.UserId, frame.GroupId, frame.MessageId, cancellationToken);
        connection.Answer(frame.Id, recalled);
        if (recalled.IsOk) LogRecalled(connection.Session.UserId, frame.GroupId, frame.MessageId);
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "User {UserId} recalled message {MessageId} of group {GroupId}")]
    private partial void LogRecalled(long userId, long groupId, long messageId);
}
