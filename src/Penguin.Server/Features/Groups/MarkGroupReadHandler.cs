using Penguin.Core.Groups;
using Penguin.Protocol;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Groups;

/// <summary>"group.read": the member's read cursor of the group moves forward; all their devices hear of it.</summary>
internal sealed class MarkGroupReadHandler(GroupService groups) : IFrameHandler<MarkGroupRead>
{
    public async ValueTask HandleAsync(Connection connection, MarkGroupRead frame, CancellationToken cancellationToken) =>
        connection.Answer(frame.Id, await groups.MarkReadAsync(connection.Session!.UserId, frame.GroupId, frame.Seq, cancellationToken));
}
