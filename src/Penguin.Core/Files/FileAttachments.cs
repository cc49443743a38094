using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Protocol;

namespace Penguin.Core.Files;

/// <summary>A file sent as a message: one the sender may download (their own or one they received, to forward it), not expired.</summary>
public sealed class FileAttachments(FilesService files) : IAttachments
{
    /// <summary>Longest voice clip a sender may declare.</summary>
    public static readonly TimeSpan MaxVoiceDuration = TimeSpan.FromMinutes(10);

    public async ValueTask<Result<Attachment>> AttachAsync(long senderId, string fileId, int? durationMs, CancellationToken cancellationToken = default)
    {
        if (durationMs is < 0 || durationMs > MaxVoiceDuration.TotalMilliseconds)
            return Errors.InvalidField.With("'durationMs' must be 0 to 600000.", "“durationMs”须为 0 到 600000。");
        var file = await files.AuthorizeAsync(senderId, fileId, cancellationToken);
        if (!file.IsOk) return file.Error;
        var f = file.Value;
        if (durationMs is not null && !f.ContentType.StartsWith("audio/", StringComparison.Ordinal))
            return Errors.InvalidField.With("Only a voice clip (audio/*) has a duration.", "只有语音（audio/*）才有时长。");
        return new Attachment(f.Id, f.Name, f.Size, f.ContentType, f.Width, f.Height, f.HasPreview, durationMs);
    }
}
