using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Penguin.Core.Common;
using Penguin.Core.Files;
using Penguin.Core.Xmpp;
using Penguin.Protocol;
using Penguin.Server.Features.Files;
using Penguin.Server.Hosting;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0363 HTTP File Upload over Penguin's files, and the one way XMPP bytes become a file (vCard photos too): the
/// native upload — the size limit, the quota, the uploads-in-progress limit, a picture checked by its content, the
/// file's lifetime. A slot names the announced file; its PUT URL carries a random key (only its SHA-256 is stored),
/// its GET URL only the slot id, unguessable, as XEP-0363 intends (whoever is sent the link may fetch the file).
/// </summary>
internal sealed class XmppUploads(FilesService files, IXmppStore store, ServerOptions options, IServer server, TimeProvider time)
{
    public const string Path = "/xmpp-upload";

    /// <summary>How long a slot waits for its PUT.</summary>
    public static readonly TimeSpan SlotLifetime = TimeSpan.FromMinutes(10);

    public long MaxFileBytes => options.Files.MaxFileBytes;

    /// <summary>A new slot for the user: its PUT and GET URLs, or why not (name, type, size, too many open slots).</summary>
    public async Task<Result<(string Put, string Get)>> CreateSlotAsync(long userId, string? name, long size, string? contentType, CancellationToken cancellationToken)
    {
        if (FileRules.CheckName(name) is { } badName) return badName;
        if (FileRules.NormalizeContentType(string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType) is not { } type)
            return Errors.InvalidField.With("'content-type' must be a MIME type such as image/png.", "“content-type”须为 MIME 类型，例如 image/png。");
        if (size < 0) return Errors.InvalidField.With("'size' must not be negative.", "“size”不能为负数。");
        if (size > MaxFileBytes) return FileErrors.FileTooLarge.With($"The file is larger than the limit of {MaxFileBytes} bytes.", $"文件超过 {MaxFileBytes} 字节的限制。");
        var key = RandomNumberGenerator.GetBytes(32);
        var now = time.GetUtcNow();
        var slot = new XmppUploadSlot(FileRules.NewId(), userId, SHA256.HashData(key), name!.Trim(), size, type, now + SlotLifetime);
        if (!await store.CreateUploadSlotAsync(slot, options.Files.MaxUploadsPerUser, now, cancellationToken)) return FileErrors.TooManyUploads;
        var file = Uri.EscapeDataString(slot.Name);
        return ($"{BaseUrl}{Path}/{slot.Id}/{Base64Url.EncodeToString(key)}/{file}", $"{BaseUrl}{Path}/{slot.Id}/{file}");
    }

    /// <summary>
    /// Bytes (a seekable stream) stored as one of the user's files through the native upload: held bytes are not stored
    /// twice; an upload that fails is cancelled, leaving nothing behind.
    /// </summary>
    public async Task<Result<StoredFile>> StoreAsync(long userId, string name, string contentType, Stream bytes, CancellationToken cancellationToken)
    {
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(bytes, cancellationToken));
        bytes.Position = 0;
        var created = await files.CreateUploadAsync(userId, new CreateUpload(name, bytes.Length, sha256, contentType), cancellationToken);
        if (!created.IsOk) return created.Error;
        if (created.Value.File is { } held) return held;
        var upload = created.Value.Upload!;
        var written = await files.WriteChunkAsync(userId, upload.Id, 0, bytes, null, cancellationToken);
        var stored = written.IsOk ? await files.CompleteAsync(userId, upload.Id, cancellationToken) : written.Error;
        if (!stored.IsOk) await files.CancelUploadAsync(userId, upload.Id, CancellationToken.None);
        return stored;
    }

    /// <summary>
    /// Where clients reach this node's HTTP port: <c>Penguin:Xmpp:UploadBaseUrl</c>, else the first address the node
    /// listens on (a wildcard address named by the XMPP domain).
    /// </summary>
    private string BaseUrl => field ??= !string.IsNullOrWhiteSpace(options.Xmpp.UploadBaseUrl)
        ? options.Xmpp.UploadBaseUrl.TrimEnd('/')
        : ListeningUrl();

    private string ListeningUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{options.Xmpp.Domain}";
        var uri = new UriBuilder(address.Replace("://+", "://" + options.Xmpp.Domain, StringComparison.Ordinal).Replace("://*", "://" + options.Xmpp.Domain, StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = options.Xmpp.Domain;
        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>PUT {Path}/{slot}/{key}/{name}: the slot's bytes, once; GET/HEAD {Path}/{slot}/{name}: the file, while it lives.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPut(Path + "/{slot}/{key}/{name}", (string slot, string key, HttpContext http, XmppUploads uploads) => uploads.PutAsync(slot, key, http));
        app.MapMethods(Path + "/{slot}/{name}", ["GET", "HEAD"], (string slot, HttpContext http, XmppUploads uploads) => uploads.GetAsync(slot, http));
    }

    private async Task<IResult> PutAsync(string id, string key, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var slot = FileRules.IsId(id) ? await store.GetUploadSlotAsync(id, cancellationToken) : null;
        if (slot is null || !KeyMatches(key, slot.PutKeyHash))
            return Fail(Errors.Forbidden.With("No such upload slot, or the wrong key.", "没有这个上传位置，或密钥错误。"));
        if (slot.FileId is not null) return Fail(Errors.Forbidden.With("This slot was used already; ask for a new one.", "此上传位置已用过，请重新申请。"));
        if (slot.ExpiresAt <= time.GetUtcNow()) return Fail(Errors.Forbidden.With("This slot has expired; ask for a new one.", "此上传位置已过期，请重新申请。"));
        if (http.Request.ContentLength != slot.Size)
            return Fail(Errors.InvalidField.With($"Content-Length must be the announced size, {slot.Size} bytes.", $"Content-Length 须为申请时的大小：{slot.Size} 字节。"));

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = slot.Size; // the node's default is for JSON
        // The body goes to a temporary file first (its SHA-256 is what the native upload is announced with), at most the announced size.
        await using var buffer = new FileStream(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "penguin-xmpp-" + FileRules.NewId()), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var body = http.Request.Body;
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > slot.Size) return Fail(Errors.InvalidField.With("The body is longer than announced.", "内容比申请时长。"));
            await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }
        if (buffer.Length != slot.Size) return Fail(Errors.InvalidField.With("The body is shorter than announced.", "内容比申请时短。"));
        buffer.Position = 0;

        var stored = await StoreAsync(slot.UserId, slot.Name, slot.ContentType, buffer, cancellationToken);
        if (!stored.IsOk) return Fail(stored.Error);
        if (!await store.SetUploadSlotFileAsync(slot.Id, stored.Value.Id, CancellationToken.None))
            return Fail(Errors.Forbidden.With("This slot was used already; ask for a new one.", "此上传位置已用过，请重新申请。"));
        return Results.StatusCode(StatusCodes.Status201Created); // no Location: the name may not be ASCII, and the GET URL is the slot's
    }

    private async Task<IResult> GetAsync(string id, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (!FileRules.IsId(id) || await store.GetUploadSlotAsync(id, cancellationToken) is not { FileId: { } fileId } slot) return Fail(Errors.NotFound);
        // The link stands for its uploader's file: served as they may fetch it (not after it expired or was reclaimed).
        var authorized = await files.AuthorizeAsync(slot.UserId, fileId, cancellationToken);
        if (!authorized.IsOk) return Fail(authorized.Error);
        var file = authorized.Value;
        if (await files.OpenAsync(file, cancellationToken) is not { } stream) return Fail(Errors.NotFound);
        FilesEndpoints.ServeSafely(http, file.Name, inline: FileRules.IsPicture(file.ContentType));
        http.Response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin"; // the link is meant to be shown by other clients
        return Results.Stream(stream, FileRules.ServedType(file.ContentType), lastModified: file.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
    }

    private static bool KeyMatches(string key, byte[] hash)
    {
        if (key.Length > 64 || !Base64Url.IsValid(key)) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Base64Url.DecodeFromChars(key)), hash);
    }
}
