using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Penguin.Core.Files;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Files;

/// <summary>
/// Uploads (create, send chunks at the confirmed offset, learn the offset, complete, cancel) and downloads (ranges,
/// ETag, served so that nothing uploaded can run in the web client's origin). docs/protocol.md, "Files".
/// </summary>
public static class FilesEndpoints
{
    public const string OffsetHeader = "Upload-Offset";
    public const string LengthHeader = "Upload-Length";
    public const string ChunkHashHeader = "Upload-Chunk-Sha256";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapFilesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireSession();

        api.MapPost("/uploads", async (CreateUpload body, HttpContext http, Caller caller, FilesService files) =>
        {
            var result = await files.CreateUploadAsync(caller.UserId, body, http.RequestAborted);
            if (!result.IsOk) return Fail(result.Error);
            if (result.Value.Upload is not { } upload) return Results.Json(result.Value, Json.UploadResult);
            http.Response.Headers.Location = $"/api/v1/uploads/{upload.Id}";
            return Results.Json(result.Value, Json.UploadResult, statusCode: StatusCodes.Status201Created);
        });

        api.MapMethods("/uploads/{id}", ["PUT", "PATCH"], async (string id, HttpContext http, Caller caller, FilesService files, FilesOptions options) =>
        {
            if (!long.TryParse(http.Request.Headers[OffsetHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                return Fail(Errors.BadRequest.With($"Give the chunk's position in the {OffsetHeader} header.", $"请在 {OffsetHeader} 头中给出分片的位置。"));
            // The body streams to disk: up to the largest file, never more.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.MaxFileBytes;
            var hash = http.Request.Headers[ChunkHashHeader] is { Count: > 0 } given ? given.ToString() : null;
            var result = await files.WriteChunkAsync(caller.UserId, id, offset, http.Request.Body, hash, http.RequestAborted);
            if (result.IsOk)
            {
                http.Response.Headers[OffsetHeader] = result.Value.Offset.ToString(CultureInfo.InvariantCulture);
                return Results.Json(result.Value, Json.UploadStatus);
            }
            // Say where to resume from, so a client that lost track needs no second request.
            if (result.Error.Code == FileErrors.OffsetMismatch.Code && await files.GetUploadAsync(caller.UserId, id, http.RequestAborted) is { IsOk: true } status)
                http.Response.Headers[OffsetHeader] = status.Value.Offset.ToString(CultureInfo.InvariantCulture);
            return Fail(result.Error);
        }).WithMetadata(new LargeRequestBody());

        api.MapMethods("/uploads/{id}", ["HEAD"], async (string id, HttpContext http, Caller caller, FilesService files) =>
        {
            var result = await files.GetUploadAsync(caller.UserId, id, http.RequestAborted);
            if (!result.IsOk) return Results.StatusCode(StatusOf(result.Error));
            http.Response.Headers[OffsetHeader] = result.Value.Offset.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers[LengthHeader] = result.Value.Size.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Ok();
        });

        api.MapGet("/uploads/{id}", async (string id, HttpContext http, Caller caller, FilesService files) =>
        {
            var result = await files.GetUploadAsync(caller.UserId, id, http.RequestAborted);
            if (result.IsOk) http.Response.Headers[OffsetHeader] = result.Value.Offset.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers.CacheControl = "no-store";
            return From(result, Json.UploadStatus);
        });

        api.MapPost("/uploads/{id}/complete", async (string id, Caller caller, FilesService files, CancellationToken cancellationToken) =>
            From(await files.CompleteAsync(caller.UserId, id, cancellationToken), Json.StoredFile));

        api.MapDelete("/uploads/{id}", async (string id, Caller caller, FilesService files, CancellationToken cancellationToken) =>
            await files.CancelUploadAsync(caller.UserId, id, cancellationToken) is { IsOk: false } failed ? Fail(failed.Error) : Results.NoContent());

        api.MapMethods("/files/{id}", ["GET", "HEAD"], async (string id, HttpContext http, Caller caller, FilesService files) =>
        {
            var authorized = await files.AuthorizeAsync(caller.UserId, id, http.RequestAborted);
            if (!authorized.IsOk) return Fail(authorized.Error);
            var file = authorized.Value;
            if (await files.OpenAsync(file, http.RequestAborted) is not { } stream) return Fail(Errors.NotFound);
            ServeSafely(http, file.Name, inline: FileRules.IsPicture(file.ContentType));
            // The bytes of an id never change: the digest is a strong ETag, and a range may be resumed against it.
            return Results.Stream(stream, FileRules.ServedType(file.ContentType), lastModified: file.CreatedAt,
                entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
        });

        api.MapGet("/files/{id}/info", async (string id, Caller caller, FilesService files, CancellationToken cancellationToken) =>
            From(await files.AuthorizeAsync(caller.UserId, id, cancellationToken), f => f.ToWire(), Json.StoredFile));

        api.MapGet("/files/{id}/preview", async (string id, HttpContext http, Caller caller, FilesService files) =>
        {
            var preview = await files.PreviewAsync(caller.UserId, id, http.RequestAborted);
            if (!preview.IsOk) return Fail(preview.Error);
            ServeSafely(http, "preview.jpg", inline: true);
            return Results.Bytes(preview.Value, "image/jpeg");
        });
    }

    /// <summary>
    /// Headers that keep a download from ever running as a page of ours: a download unless it is a picture, no type
    /// sniffing, and a policy that allows nothing and sandboxes whatever a browser still renders.
    /// </summary>
    internal static void ServeSafely(HttpContext http, string name, bool inline)
    {
        var headers = http.Response.Headers;
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(name);
        headers.ContentDisposition = disposition.ToString();
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = "private, max-age=3600";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
}
