namespace Penguin.Core.Xmpp;

/// <summary>
/// An XEP-0363 upload slot: what the client announced, the SHA-256 of the key its PUT URL carries, until when the PUT
/// may come, and, once the bytes arrived, the file they became.
/// </summary>
public sealed record XmppUploadSlot(string Id, long UserId, byte[] PutKeyHash, string Name, long Size, string ContentType, DateTimeOffset ExpiresAt,
    string? FileId = null);
