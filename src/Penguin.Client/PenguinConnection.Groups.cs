using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>Groups (群) on the live connection: docs/protocol.md §11.</summary>
public sealed partial class PenguinConnection
{
    public Task<GroupMessageAccepted> SendGroupTextAsync(long groupId, string text, string? clientId = null, long[]? mentions = null, bool mentionAll = false,
        CancellationToken ct = default) =>
        RequestAsync<GroupMessageAccepted>(new SendGroupMessage(groupId, clientId ?? Guid.NewGuid().ToString(), text, mentions, mentionAll), ct);

    /// <summary>Sends an uploaded file (picture, voice clip with <paramref name="durationMs"/>) to a group, with an optional caption.</summary>
    public Task<GroupMessageAccepted> SendGroupFileAsync(long groupId, string fileId, string? caption = null, int? durationMs = null, string? clientId = null,
        CancellationToken ct = default) =>
        RequestAsync<GroupMessageAccepted>(new SendGroupMessage(groupId, clientId ?? Guid.NewGuid().ToString(), caption, FileId: fileId, DurationMs: durationMs), ct);

    public Task MarkGroupReadAsync(long groupId, long seq, CancellationToken ct = default) => RequestAsync<Ok>(new MarkGroupRead(groupId, seq), ct);

    public Task RecallGroupMessageAsync(long groupId, long messageId, CancellationToken ct = default) => RequestAsync<Ok>(new RecallGroupMessage(groupId, messageId), ct);
}
