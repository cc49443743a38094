namespace Penguin.Protocol;

// Files, pictures and voice clips (docs/protocol.md, "Files"): REST bodies of /api/v1/uploads and /api/v1/files.

/// <summary>
/// POST /api/v1/uploads: announces a file. <see cref="Sha256"/> is the lowercase hex SHA-256 of the whole file;
/// when the server already holds those bytes the upload completes at once (秒传) without sending them.
/// </summary>
public sealed record CreateUpload(string Name, long Size, string Sha256, string ContentType);

/// <summary>An upload in progress: the bytes before <see cref="Offset"/> are stored and confirmed; send the rest from there.</summary>
public sealed record UploadStatus(string Id, string Name, long Size, string Sha256, string ContentType, long Offset, DateTimeOffset ExpiresAt);

/// <summary>
/// A stored file as its uploader and those it was sent to see it. <see cref="Id"/> is unguessable; download it from
/// /api/v1/files/{id}. <see cref="Width"/>/<see cref="Height"/> for pictures; <see cref="Preview"/> when a small
/// JPEG preview can be fetched from /api/v1/files/{id}/preview.
/// </summary>
public sealed record StoredFile(
    string Id,
    string Name,
    long Size,
    string ContentType,
    string Sha256,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int? Width = null,
    int? Height = null,
    bool Preview = false);

/// <summary>
/// The answer to <see cref="CreateUpload"/> and to completing an upload: <see cref="File"/> when the file is stored
/// (at once when the server had its bytes), otherwise <see cref="Upload"/> to send the bytes to.
/// </summary>
public sealed record UploadResult(StoredFile? File = null, UploadStatus? Upload = null);

/// <summary>
/// A file travelling with a message: enough to show it without downloading it (name, size, type, a picture's
/// size and preview, a voice clip's length). <see cref="DurationMs"/> for voice clips, as the sender gave it.
/// </summary>
public sealed record Attachment(
    string FileId,
    string Name,
    long Size,
    string ContentType,
    int? Width = null,
    int? Height = null,
    bool Preview = false,
    int? DurationMs = null);

/// <summary>
/// PUT /api/v1/me/avatar and PUT /api/v1/groups/{id}/avatar: makes the avatar from a file the caller may download (a
/// JPEG, PNG, GIF or WebP picture by its content). The answer is the profile or group card naming it.
/// </summary>
public sealed record SetAvatarRequest(string FileId);
