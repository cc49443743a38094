namespace Penguin.Core.Files;

/// <summary>An upload in progress: <see cref="Received"/> bytes are durable; a writer holds it while <see cref="LeaseToken"/> is set and unexpired.</summary>
public sealed record UploadRecord(
    string Id,
    long OwnerId,
    string Name,
    string ContentType,
    long Size,
    string Sha256,
    long Received,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? LeaseToken = null,
    DateTimeOffset? LeaseUntil = null);
