using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Ops;

namespace Penguin.Server.Features.Messaging;

/// <summary>"ack": the device holds events up to a seq; messages up to there count as delivered. No reply.</summary>
internal sealed class AcknowledgeHandler(MessagingService messaging, PenguinMetrics metrics) : IFrameHandler<Acknowledge>
{
    public ValueTask HandleAsync(Connection connection, Acknowledge frame, CancellationToken cancellationToken)
    {
        messaging.Acknowledge(connection.Session!.UserId, frame.Seq);
        metrics.Delivered();
        return ValueTask.CompletedTask;
    }
}
