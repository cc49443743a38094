using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>Turns a file id a sender gave into what travels with the message (provided by the Files feature).</summary>
public interface IAttachments
{
    /// <summary>Not found unless the sender may see the file (they uploaded it, or received it); expired files are refused.</summary>
    ValueTask<Result<Attachment>> AttachAsync(long senderId, string fileId, int? durationMs, CancellationToken cancellationToken = default);
}
