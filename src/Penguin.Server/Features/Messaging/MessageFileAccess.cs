using Penguin.Core.Files;
using Penguin.Core.Messaging;

namespace Penguin.Server.Features.Messaging;

/// <summary>Both people of a conversation may download a file sent in it, until it is recalled or they delete the message.</summary>
internal sealed class MessageFileAccess(IMessageStore messages) : IFileAccess
{
    public ValueTask<bool> MaySeeAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        messages.MaySeeFileAsync(userId, fileId, cancellationToken);
}
