using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>Files (docs/protocol.md, "Files"): resumable uploads by SHA-256 and ranged downloads.</summary>
public sealed partial class PenguinClient
{
    public const int DefaultChunkBytes = 8 * 1024 * 1024;

    /// <summary>Announces a file: <see cref="UploadResult.File"/> at once when the server holds its bytes (秒传).</summary>
    public Task<UploadResult> CreateUploadAsync(CreateUpload request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/v1/uploads", request, Json.CreateUpload, Json.UploadResult, ct);

    /// <summary>Sends <paramref name="length"/> bytes of <paramref name="chunk"/> to the upload at <paramref name="offset"/>; returns the confirmed state.</summary>
    public async Task<UploadStatus> SendChunkAsync(string uploadId, long offset, Stream chunk, long length, string? chunkSha256 = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"api/v1/uploads/{uploadId}", UriKind.Relative))
        {
            Content = new StreamContent(chunk),
        };
        request.Content.Headers.ContentLength = length;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (chunkSha256 is not null) request.Headers.Add("Upload-Chunk-Sha256", chunkSha256);
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, Json.UploadStatus, ct);
    }

    /// <summary>The confirmed offset of an upload (HEAD): where to resume.</summary>
    public async Task<UploadStatus> GetUploadAsync(string uploadId, CancellationToken ct = default) =>
        await GetAsync($"api/v1/uploads/{uploadId}", Json.UploadStatus, ct);

    public async Task<StoredFile> CompleteUploadAsync(string uploadId, CancellationToken ct = default)
    {
        using var response = await _http.PostAsync(new Uri($"api/v1/uploads/{uploadId}/complete", UriKind.Relative), null, ct);
        return await ReadAsync(response, Json.StoredFile, ct);
    }

    public Task<StoredFile> GetFileInfoAsync(string fileId, CancellationToken ct = default) => GetAsync($"api/v1/files/{fileId}/info", Json.StoredFile, ct);

    /// <summary>
    /// Uploads a seekable stream in chunks: hashes it, announces it (done at once if the server holds it), sends each
    /// chunk with its hash and, when a chunk fails, asks where the upload stands and resumes from there.
    /// <paramref name="progress"/> hears the confirmed offset.
    /// </summary>
    public async Task<StoredFile> UploadAsync(Stream file, string name, string contentType, int chunkBytes = DefaultChunkBytes, IProgress<long>? progress = null,
        int attempts = 5, CancellationToken ct = default)
    {
        file.Position = 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        var created = await CreateUploadAsync(new CreateUpload(name, file.Length, sha256, contentType), ct);
        if (created.File is { } instant)
        {
            progress?.Report(file.Length);
            return instant;
        }
        return await ResumeUploadAsync(created.Upload!.Id, file, chunkBytes, progress, attempts, ct);
    }

    /// <summary>Sends the rest of an upload from its confirmed offset, resuming after failures, then completes it.</summary>
    public async Task<StoredFile> ResumeUploadAsync(string uploadId, Stream file, int chunkBytes = DefaultChunkBytes, IProgress<long>? progress = null,
        int attempts = 5, CancellationToken ct = default)
    {
        var offset = (await GetUploadAsync(uploadId, ct)).Offset;
        var failures = 0;
        var buffer = new byte[Math.Min(chunkBytes, Math.Max(1, file.Length))];
        while (offset < file.Length)
        {
            progress?.Report(offset);
            file.Position = offset;
            var length = await file.ReadAtLeastAsync(buffer, (int)Math.Min(buffer.Length, file.Length - offset), throwOnEndOfStream: true, ct);
            var hash = Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length)));
            try
            {
                offset = (await SendChunkAsync(uploadId, offset, new MemoryStream(buffer, 0, length, writable: false), length, hash, ct)).Offset;
                failures = 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or PenguinException { Error.Code: "upload_offset_mismatch" or "upload_busy" or "unavailable" }
                                      && ++failures < attempts && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), ct);
                offset = (await GetUploadAsync(uploadId, ct)).Offset;
            }
        }
        progress?.Report(offset);
        return await CompleteUploadAsync(uploadId, ct);
    }

    /// <summary>Makes the caller's avatar from an uploaded picture (a file id); returns the profile, whose avatar names it.</summary>
    public Task<Profile> SetAvatarAsync(string fileId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "api/v1/me/avatar", new SetAvatarRequest(fileId), Json.SetAvatarRequest, Json.Profile, ct);

    /// <summary>An owner or administrator makes the group's avatar from an uploaded picture; returns the group's card.</summary>
    public Task<GroupInfo> SetGroupAvatarAsync(long groupId, string fileId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/v1/groups/{groupId}/avatar", new SetAvatarRequest(fileId), Json.SetAvatarRequest, Json.GroupInfo, ct);

    /// <summary>Opens a download from <paramref name="from"/> (a Range request when not 0); the caller reads and disposes the response.</summary>
    public async Task<HttpResponseMessage> DownloadAsync(string fileId, long from = 0, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/files/{fileId}", UriKind.Relative));
        if (from > 0) request.Headers.Range = new RangeHeaderValue(from, null);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            using (response) await EnsureSuccessAsync(response, ct);
        }
        return response;
    }
}
