namespace Penguin.Core.Files;

/// <summary>Bytes the server holds once, whoever uploaded them. <see cref="Deleting"/>: being reclaimed, treat as absent.</summary>
public sealed record BlobRecord(string Sha256, long Size, bool Deleting, int? Width = null, int? Height = null, bool HasPreview = false);
