using Penguin.Core.Files;
using Penguin.Core.Groups;

namespace Penguin.Server.Features.Groups;

/// <summary>
/// Members of a group may download a file sent in it, until it is recalled, when it was sent after they joined (history
/// is visible from join time); leaving the group ends it.
/// </summary>
internal sealed class GroupFileAccess(IGroupStore groups) : IFileAccess
{
    public ValueTask<bool> MaySeeAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        groups.MaySeeFileAsync(userId, fileId, cancellationToken);
}
