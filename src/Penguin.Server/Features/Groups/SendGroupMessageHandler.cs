using Penguin.Core.Groups;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Groups;

/// <summary>"group.send": acknowledged ("group.sent") only once stored; a retry gets the stored message again.</summary>
internal sealed partial class SendGroupMessageHandler(GroupService groups, ILogger<SendGroupMessageHandler> logger) : IFrameHandler<SendGroupMessage>
{
    public async ValueTask HandleAsync(Connection connection, SendGroupMessage frame, CancellationToken cancellationToken)
    {
        var sent = await groups.SendAsync(connection.Session!.UserId, frame, cancellationToken);
        if (!sent.IsOk)
        {
            connection.Send(ErrorReply.From(sent.Error, frame.Id));
            LogRefused(connection.Session.UserId, frame.GroupId, sent.Error.Code);
            return;
        }
        connection.Send(new GroupMessageAccepted(sent.Value.Message, sent.Value.Duplicate) { Re = frame.Id });
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "User {UserId} could not post to group {GroupId}: {Code}")]
    private partial void LogRefused(long userId, long groupId, string code);
}
