namespace Penguin.Core.Files;

/// <summary>A stored file: one person's named reference to bytes held once per SHA-256, with the picture facts of those bytes.</summary>
public sealed record FileRecord(
    string Id,
    long OwnerId,
    string Sha256,
    string Name,
    string ContentType,
    long Size,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int? Width = null,
    int? Height = null,
    bool HasPreview = false)
{
    public Protocol.StoredFile ToWire() => new(Id, Name, Size, ContentType, Sha256, CreatedAt, ExpiresAt, Width, Height, HasPreview);
}
