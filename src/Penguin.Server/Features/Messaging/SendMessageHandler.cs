using System.Diagnostics;
using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Ops;

namespace Penguin.Server.Features.Messaging;

/// <summary>"send": the message is acknowledged ("accepted") only once stored; a retry gets the stored one again.</summary>
internal sealed partial class SendMessageHandler(MessagingService messaging, PenguinMetrics metrics, ILogger<SendMessageHandler> logger) : IFrameHandler<SendMessage>
{
    public async ValueTask HandleAsync(Connection connection, SendMessage frame, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = await messaging.SendAsync(connection.Session!.UserId, frame, cancellationToken);
        metrics.MessageSent(!sent.IsOk ? "rejected" : sent.Value.Duplicate ? "duplicate" : "ok", Stopwatch.GetElapsedTime(started));
        if (!sent.IsOk)
        {
            connection.Send(ErrorReply.From(sent.Error, frame.Id));
            LogRefused(connection.Session.UserId, frame.To, sent.Error.Code);
            return;
        }
        connection.Send(new MessageAccepted(sent.Value.Message.ToWire(), sent.Value.Duplicate) { Re = frame.Id });
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "User {UserId} could not message {PeerId}: {Code}")]
    private partial void LogRefused(long userId, long peerId, string code);
}
