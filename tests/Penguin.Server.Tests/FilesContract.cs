using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Core.Files;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Uploads and downloads over real HTTP on the real server: resume, dedupe, ranges, caching, permissions, every bad
/// input. Run once per storage engine by the subclasses in FilesSuites.cs.
/// </summary>
public abstract class FilesContract
{
    // A suite whose engine cannot run here (no PostgreSQL configured) shows its tests as skipped.
    protected FilesContract() => RequiredServices.SkipUnlessConfigured(GetType());

    protected abstract TestServer Server { get; }

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A raw HTTP client with the user's token: the tests speak the documented protocol, headers and all.</summary>
    private static HttpClient Http(TestServer server, User user)
    {
        var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        return http;
    }

    private static async Task<HttpResponseMessage> CreateAsync(HttpClient http, string name, byte[] bytes, string type = "application/octet-stream", long? size = null, string? sha = null) =>
        await http.PostAsJsonAsync("api/v1/uploads", new CreateUpload(name, size ?? bytes.Length, sha ?? Sha(bytes), type), Json.CreateUpload);

    private static async Task<UploadResult> CreatedAsync(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync(Json.UploadResult))!;

    private static async Task<HttpResponseMessage> PutAsync(HttpClient http, string id, long offset, ReadOnlyMemory<byte> chunk, string? chunkSha = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Put, $"api/v1/uploads/{id}") { Content = new ByteArrayContent(chunk.ToArray()) };
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (chunkSha is not null) request.Headers.Add("Upload-Chunk-Sha256", chunkSha);
        return await http.SendAsync(request);
    }

    private static async Task<long> OffsetAsync(HttpClient http, string id)
    {
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"api/v1/uploads/{id}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        return long.Parse(head.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<Error> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(Json.ErrorResponse))!.Error;
    }

    private static async Task<StoredFile> UploadAsync(HttpClient http, string name, byte[] bytes, string type = "application/octet-stream", int chunk = 64 * 1024)
    {
        using var created = await CreateAsync(http, name, bytes, type);
        var result = await CreatedAsync(created);
        if (result.File is { } instant) return instant;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = result.Upload!.Id;
        Assert.Equal($"/api/v1/uploads/{id}", created.Headers.Location!.ToString());
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            var piece = bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset));
            using var put = await PutAsync(http, id, offset, piece, Sha(piece.ToArray()));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal((offset + piece.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), put.Headers.GetValues("Upload-Offset").Single());
        }
        using var complete = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        return (await complete.Content.ReadFromJsonAsync(Json.StoredFile))!;
    }

    private static async Task<byte[]> DownloadAsync(HttpClient http, string fileId)
    {
        using var response = await http.GetAsync($"api/v1/files/{fileId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task Upload_InChunks_DownloadsTheSameBytes_WithItsFacts()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(300_000);

        var file = await UploadAsync(http, "季度报告 Q3.pdf", bytes, "application/pdf");

        Assert.Equal(("季度报告 Q3.pdf", 300_000L, "application/pdf", Sha(bytes)), (file.Name, file.Size, file.ContentType, file.Sha256));
        Assert.True(FileRules.IsId(file.Id));
        Assert.Equal(file.CreatedAt + TimeSpan.FromDays(7), file.ExpiresAt);
        Assert.Equal(bytes, await DownloadAsync(http, file.Id));
        Assert.Equal(file, await alice.Rest.GetFileInfoAsync(file.Id));
    }

    [Fact]
    public async Task Upload_DroppedMidChunk_ResumesFromTheConfirmedOffset()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(400_000);
        var id = (await CreatedAsync(await CreateAsync(http, "video.mp4", bytes, "video/mp4"))).Upload!.Id;
        using (var first = await PutAsync(http, id, 0, bytes.AsMemory(0, 100_000))) Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // The train enters the tunnel: the second chunk breaks off after 50,000 of its 200,000 bytes.
        using (var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/uploads/{id}") { Content = new StreamContent(new BreakingStream(bytes[100_000..300_000], 50_000)) })
        {
            request.Content.Headers.ContentLength = 200_000;
            request.Headers.Add("Upload-Offset", "100000");
            await Assert.ThrowsAnyAsync<Exception>(() => http.SendAsync(request));
        }

        Assert.Equal(100_000, await OffsetAsync(http, id));
        var file = await alice.Rest.ResumeUploadAsync(id, new MemoryStream(bytes), chunkBytes: 128 * 1024);
        Assert.Equal(Sha(bytes), file.Sha256);
        Assert.Equal(bytes, await DownloadAsync(http, file.Id));
    }

    [Fact]
    public async Task Create_TheSameFileAgain_AfterARestart_AnswersTheUnfinishedUpload_AtItsConfirmedOffset()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(300_000);
        var first = (await CreatedAsync(await CreateAsync(http, "旅行.mp4", bytes, "video/mp4"))).Upload!;
        using (var put = await PutAsync(http, first.Id, 0, bytes.AsMemory(0, 120_000))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        // A client that lost the id (killed, restarted) announces the same file: it gets the upload where it stands.
        using var again = await CreateAsync(http, "旅行.mp4", bytes, "video/mp4");
        var resumed = (await CreatedAsync(again)).Upload!;
        using var renamed = await CreateAsync(http, "旅行 (2).mp4", bytes, "video/mp4");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal((first.Id, 120_000L), (resumed.Id, resumed.Offset));
        Assert.NotEqual(first.Id, (await CreatedAsync(renamed)).Upload!.Id);
        var file = await alice.Rest.ResumeUploadAsync(resumed.Id, new MemoryStream(bytes), chunkBytes: 64 * 1024);
        Assert.Equal(bytes, await DownloadAsync(http, file.Id));
    }

    [Fact]
    public async Task Upload_BytesTheServerHolds_CompleteAtOnce_WithoutSendingThem()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        using var aliceHttp = Http(Server, alice);
        using var bobHttp = Http(Server, bob);
        var bytes = RandomBytes(200_000);
        var original = await UploadAsync(aliceHttp, "meme.bin", bytes);

        using var again = await CreateAsync(bobHttp, "转发的.bin", bytes);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var result = await CreatedAsync(again);
        Assert.Null(result.Upload);
        Assert.NotEqual(original.Id, result.File!.Id);
        Assert.Equal(("转发的.bin", original.Sha256), (result.File.Name, result.File.Sha256));
        Assert.Equal(bytes, await DownloadAsync(bobHttp, result.File.Id));
        // Each person's file is their own: alice's id is not bob's to read.
        using var other = await bobHttp.GetAsync($"api/v1/files/{original.Id}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Download_Ranges_AnswerPartialContent_AtEverySeek()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(100_000);
        var file = await UploadAsync(http, "voice.ogg", bytes, "audio/ogg");

        foreach (var (from, to) in new (long, long?)[] { (0, 99), (50_000, 50_999), (99_990, null), (12_345, 12_345) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/files/{file.Id}");
            request.Headers.Range = new RangeHeaderValue(from, to);
            using var response = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            var end = to ?? bytes.Length - 1;
            Assert.Equal(bytes[(int)from..((int)end + 1)], await response.Content.ReadAsByteArrayAsync());
            Assert.Equal($"bytes {from}-{end}/{bytes.Length}", response.Content.Headers.ContentRange!.ToString());
        }
        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"api/v1/files/{file.Id}");
        beyond.Headers.Range = new RangeHeaderValue(200_000, null);
        using var unsatisfiable = await http.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task Download_ETagIsTheDigest_IfNoneMatchAnswers304()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var file = await UploadAsync(http, "a.txt", Encoding.UTF8.GetBytes("你好，世界"), "text/plain");
        using var first = await http.GetAsync($"api/v1/files/{file.Id}");
        Assert.Equal($"\"{file.Sha256}\"", first.Headers.ETag!.ToString());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/files/{file.Id}");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag);
        using var again = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.True(first.Headers.CacheControl!.Private);
        Assert.Equal(TimeSpan.FromHours(1), first.Headers.CacheControl.MaxAge);
    }

    [Fact]
    public async Task Download_HtmlAndSvg_AreAttachmentsThatCannotRun()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);

        foreach (var (name, type) in new[] { ("evil.html", "text/html"), ("evil.svg", "image/svg+xml") })
        {
            var file = await UploadAsync(http, name, Encoding.UTF8.GetBytes("<script>alert(document.cookie)</script>"), type);
            using var response = await http.GetAsync($"api/v1/files/{file.Id}");

            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal(name, response.Content.Headers.ContentDisposition.FileNameStar);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("default-src 'none'; sandbox", response.Headers.GetValues("Content-Security-Policy").Single());
        }
    }

    [Fact]
    public async Task Picture_IsMeasuredAndPreviewed_ServedInline()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var jpeg = Pictures.Jpeg(1200, 800);

        var file = await UploadAsync(http, "猫.jpg", jpeg, "image/jpeg");

        Assert.Equal((1200, 800, true), (file.Width, file.Height, file.Preview));
        using var preview = await http.GetAsync($"api/v1/files/{file.Id}/preview");
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType!.MediaType);
        var thumb = await preview.Content.ReadAsByteArrayAsync();
        Assert.Equal((256, 171), Pictures.Size(thumb));
        using var download = await http.GetAsync($"api/v1/files/{file.Id}");
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("image/jpeg", download.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Picture_WhoseContentIsAnotherType_IsRefused_NothingStored()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var png = Pictures.Png(64, 64);
        var id = (await CreatedAsync(await CreateAsync(http, "fake.jpg", png, "image/jpeg"))).Upload!.Id;
        using (var put = await PutAsync(http, id, 0, png)) Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var complete = await http.PostAsync($"api/v1/uploads/{id}/complete", null);

        Assert.Equal("type_mismatch", (await ErrorAsync(complete, HttpStatusCode.UnsupportedMediaType)).Code);
        using var gone = await http.GetAsync($"api/v1/uploads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        // Not held: announcing the same bytes again asks for them.
        Assert.NotNull((await CreatedAsync(await CreateAsync(http, "real.png", png, "image/png"))).Upload);
        // A text file declared a PNG, even when the bytes are held already, is refused too.
        var text = await UploadAsync(http, "notes.txt", Encoding.UTF8.GetBytes("not a picture at all"), "text/plain");
        using var declared = await CreateAsync(http, "notes.png", Encoding.UTF8.GetBytes("not a picture at all"), "image/png");
        Assert.Equal("type_mismatch", (await ErrorAsync(declared, HttpStatusCode.UnsupportedMediaType)).Code);
        Assert.NotNull(text);
    }

    [Fact]
    public async Task Chunk_WithTheWrongHash_IsRefused_TheOffsetStays()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(1000);
        var id = (await CreatedAsync(await CreateAsync(http, "a.bin", bytes))).Upload!.Id;

        using var wrong = await PutAsync(http, id, 0, bytes.AsMemory(0, 500), Sha(bytes));

        Assert.Equal("chunk_hash_mismatch", (await ErrorAsync(wrong, HttpStatusCode.UnprocessableEntity)).Code);
        Assert.Equal(0, await OffsetAsync(http, id));
        using var right = await PutAsync(http, id, 0, bytes.AsMemory(0, 500), Sha(bytes[..500]));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Chunk_OutOfOrderOrOverlapping_IsRefused_WithTheOffsetToResumeFrom()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(1000);
        var id = (await CreatedAsync(await CreateAsync(http, "a.bin", bytes))).Upload!.Id;
        using (var first = await PutAsync(http, id, 0, bytes.AsMemory(0, 400), method: HttpMethod.Patch)) Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var ahead = await PutAsync(http, id, 600, bytes.AsMemory(600, 400));
        using var overlap = await PutAsync(http, id, 300, bytes.AsMemory(300, 400));

        foreach (var refused in new[] { ahead, overlap })
        {
            Assert.Equal("upload_offset_mismatch", (await ErrorAsync(refused, HttpStatusCode.Conflict)).Code);
            Assert.Equal("400", refused.Headers.GetValues("Upload-Offset").Single());
        }
        Assert.Equal(400, await OffsetAsync(http, id));
        using (var rest = await PutAsync(http, id, 400, bytes.AsMemory(400))) Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        using var complete = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        var file = (await complete.Content.ReadFromJsonAsync(Json.StoredFile))!;
        Assert.Equal(bytes, await DownloadAsync(http, file.Id));
    }

    [Fact]
    public async Task Complete_BeforeEveryByteArrived_IsIncomplete_AndCanStillBeFinished()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var bytes = RandomBytes(1000);
        var id = (await CreatedAsync(await CreateAsync(http, "a.bin", bytes))).Upload!.Id;
        using (var first = await PutAsync(http, id, 0, bytes.AsMemory(0, 999))) Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var early = await http.PostAsync($"api/v1/uploads/{id}/complete", null);

        var error = await ErrorAsync(early, HttpStatusCode.Conflict);
        Assert.Equal("upload_incomplete", error.Code);
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
        using (var last = await PutAsync(http, id, 999, bytes.AsMemory(999))) Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        using var complete = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
    }

    [Fact]
    public async Task Complete_RetriedAfterASuccess_AnswersTheSameFile_OnlyToTheUploader()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var mallory = await Server.RegisterAsync("mallory");
        using var http = Http(Server, alice);
        using var other = Http(Server, mallory);
        var bytes = RandomBytes(3000);
        var id = (await CreatedAsync(await CreateAsync(http, "retry.bin", bytes))).Upload!.Id;
        using (var put = await PutAsync(http, id, 0, bytes)) Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using var first = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stored = (await first.Content.ReadFromJsonAsync(Json.StoredFile))!;

        // The answer was lost with the connection: the client asks again, and again.
        using var again = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        using var third = await http.PostAsync($"api/v1/uploads/{id}/complete", null);
        using var stranger = await other.PostAsync($"api/v1/uploads/{id}/complete", null);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(stored, (await again.Content.ReadFromJsonAsync(Json.StoredFile))!);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(stored.Id, (await third.Content.ReadFromJsonAsync(Json.StoredFile))!.Id);
        Assert.Equal("not_found", (await ErrorAsync(stranger, HttpStatusCode.NotFound)).Code);
        Assert.Equal(bytes, await DownloadAsync(http, stored.Id));
        Assert.Equal(id, stored.Id);
    }

    [Fact]
    public async Task Complete_BytesNotMatchingTheDigest_StoresNothing()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);
        var announced = RandomBytes(1000);
        var sent = RandomBytes(1000);
        var id = (await CreatedAsync(await CreateAsync(http, "a.bin", announced))).Upload!.Id;
        using (var put = await PutAsync(http, id, 0, sent)) Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var complete = await http.PostAsync($"api/v1/uploads/{id}/complete", null);

        Assert.Equal("file_hash_mismatch", (await ErrorAsync(complete, HttpStatusCode.UnprocessableEntity)).Code);
        using var gone = await http.GetAsync($"api/v1/uploads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        // Neither digest's bytes are held now: both must be sent in full.
        Assert.NotNull((await CreatedAsync(await CreateAsync(http, "a.bin", announced))).Upload);
        Assert.NotNull((await CreatedAsync(await CreateAsync(http, "b.bin", sent))).Upload);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(Server.DataDirectory, "files", "uploads")), f => f.Contains(id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("dir/name.txt")]
    [InlineData("C:\\Windows\\win.ini")]
    [InlineData("bell\u0007.txt")]
    [InlineData("invoice\u202Efdp.exe")]
    [InlineData("   ")]
    public async Task Create_WithAnUnsafeName_IsRefused(string name)
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);

        using var response = await CreateAsync(http, name, RandomBytes(10));

        Assert.Equal("invalid_file_name", (await ErrorAsync(response, HttpStatusCode.BadRequest)).Code);
    }

    [Fact]
    public async Task Create_BadSizeDigestOrType_AreRefused()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var http = Http(Server, alice);

        using var negative = await CreateAsync(http, "a", [], size: -1);
        using var badSha = await CreateAsync(http, "a", [], sha: "not-hex");
        using var badType = await CreateAsync(http, "a", [], type: "no slash");

        Assert.Equal("invalid_field", (await ErrorAsync(negative, HttpStatusCode.BadRequest)).Code);
        Assert.Equal("invalid_field", (await ErrorAsync(badSha, HttpStatusCode.BadRequest)).Code);
        Assert.Equal("invalid_field", (await ErrorAsync(badType, HttpStatusCode.BadRequest)).Code);
    }

    [Fact]
    public async Task Download_ByAStranger_OrAnUnknownId_IsNotFound()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var mallory = await Server.RegisterAsync("mallory");
        using var aliceHttp = Http(Server, alice);
        using var malloryHttp = Http(Server, mallory);
        var file = await UploadAsync(aliceHttp, "secret.txt", Encoding.UTF8.GetBytes("私密"), "text/plain");

        foreach (var path in new[] { $"api/v1/files/{file.Id}", $"api/v1/files/{file.Id}/info", $"api/v1/files/{FileRules.NewId()}", "api/v1/files/../../etc/passwd" })
        {
            using var response = await malloryHttp.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var anonymous = await new HttpClient { BaseAddress = Server.BaseUri }.GetAsync($"api/v1/files/{file.Id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Upload_OfSomeoneElse_IsNotFound_AndUntouched()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var mallory = await Server.RegisterAsync("mallory");
        using var aliceHttp = Http(Server, alice);
        using var malloryHttp = Http(Server, mallory);
        var bytes = RandomBytes(100);
        var id = (await CreatedAsync(await CreateAsync(aliceHttp, "a.bin", bytes))).Upload!.Id;

        using var put = await PutAsync(malloryHttp, id, 0, bytes);
        using var complete = await malloryHttp.PostAsync($"api/v1/uploads/{id}/complete", null);
        using var cancel = await malloryHttp.DeleteAsync($"api/v1/uploads/{id}");

        Assert.Equal("not_found", (await ErrorAsync(put, HttpStatusCode.NotFound)).Code);
        Assert.Equal(HttpStatusCode.NotFound, complete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(0, await OffsetAsync(aliceHttp, id));
    }
}
