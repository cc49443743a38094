using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Penguin.Core.Files;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

/// <summary>
/// File limits and lifetimes on servers of their own: largest file, quota, uploads in progress, expiry and reclaiming
/// (virtual time). Run once per storage engine by the subclasses in FilesSuites.cs.
/// </summary>
public abstract class FileLimitsContract
{
    // A suite whose engine cannot run here (no PostgreSQL configured) shows its tests as skipped.
    protected FileLimitsContract() => RequiredServices.SkipUnlessConfigured(GetType());

    /// <summary>A server of the test's own on this suite's engine.</summary>
    protected abstract Task<TestServer> StartServerAsync(Action<ServerOptions>? configure = null, TimeProvider? time = null);

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static HttpClient Http(TestServer server, User user)
    {
        var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        return http;
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient http, byte[] bytes, long? size = null) =>
        http.PostAsJsonAsync("api/v1/uploads", new CreateUpload("a.bin", size ?? bytes.Length, Sha(bytes), "application/octet-stream"), Json.CreateUpload);

    private static async Task<Error> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(Json.ErrorResponse))!.Error;
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient http, string id, long offset, byte[] chunk)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/uploads/{id}") { Content = new ByteArrayContent(chunk) };
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Create_OverTheLargestFile_OrTheQuota_IsRefused_StoresNothing()
    {
        await using var server = await StartServerAsync(o =>
        {
            o.Files.MaxFileBytes = 1000;
            o.Files.QuotaBytes = 1500;
        });
        await using var alice = await server.RegisterAsync("alice");
        using var http = Http(server, alice);

        using var tooLarge = await CreateAsync(http, RandomNumberGenerator.GetBytes(1001));
        using var first = await CreateAsync(http, RandomNumberGenerator.GetBytes(1000));
        using var overQuota = await CreateAsync(http, RandomNumberGenerator.GetBytes(501));
        using var fits = await CreateAsync(http, RandomNumberGenerator.GetBytes(500));

        var error = await ErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("file_too_large", error.Code);
        Assert.Contains("1000", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("quota_exceeded", (await ErrorAsync(overQuota, HttpStatusCode.RequestEntityTooLarge)).Code);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal(1500, await server.Services.GetRequiredService<IFileStore>().UsedBytesAsync(alice.Number, TimeProvider.System.GetUtcNow()));
    }

    [Fact]
    public async Task Dedupe_OfBytesHeldForSomeoneElse_StillCountsAgainstTheQuota_StoresNothing()
    {
        await using var server = await StartServerAsync(o => o.Files.QuotaBytes = 1500);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        using var http = Http(server, alice);
        var bobs = RandomNumberGenerator.GetBytes(1000);
        await bob.Rest.UploadAsync(new MemoryStream(bobs), "b.bin", "application/octet-stream");
        await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1000)), "a.bin", "application/octet-stream");

        // 秒传 sends no bytes, but the file would be hers: 1000 + 1000 is over her 1500.
        using var instant = await CreateAsync(http, bobs);

        Assert.Equal("quota_exceeded", (await ErrorAsync(instant, HttpStatusCode.RequestEntityTooLarge)).Code);
        Assert.Equal(1000, await server.Services.GetRequiredService<IFileStore>().UsedBytesAsync(alice.Number, TimeProvider.System.GetUtcNow()));
    }

    [Fact]
    public async Task Chunk_RunningPastTheAnnouncedSize_IsRefused_TheOffsetStays()
    {
        await using var server = await StartServerAsync();
        await using var alice = await server.RegisterAsync("alice");
        using var http = Http(server, alice);
        var bytes = RandomNumberGenerator.GetBytes(100);
        var id = (await (await CreateAsync(http, bytes)).Content.ReadFromJsonAsync(Json.UploadResult))!.Upload!.Id;

        using var tooLong = await PutAsync(http, id, 0, RandomNumberGenerator.GetBytes(150));

        Assert.Equal("file_too_large", (await ErrorAsync(tooLong, HttpStatusCode.RequestEntityTooLarge)).Code);
        Assert.Equal(0, (await alice.Rest.GetUploadAsync(id)).Offset);
        using var fine = await PutAsync(http, id, 0, bytes);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task Create_BeyondTheUploadsInProgress_IsRefused_UntilOneIsCancelled()
    {
        await using var server = await StartServerAsync(o => o.Files.MaxUploadsPerUser = 2);
        await using var alice = await server.RegisterAsync("alice");
        using var http = Http(server, alice);
        var first = (await (await CreateAsync(http, RandomNumberGenerator.GetBytes(10))).Content.ReadFromJsonAsync(Json.UploadResult))!.Upload!.Id;
        using var second = await CreateAsync(http, RandomNumberGenerator.GetBytes(10));

        using var third = await CreateAsync(http, RandomNumberGenerator.GetBytes(10));

        Assert.Equal("too_many_uploads", (await ErrorAsync(third, HttpStatusCode.TooManyRequests)).Code);
        using var cancel = await http.DeleteAsync($"api/v1/uploads/{first}");
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        using var again = await CreateAsync(http, RandomNumberGenerator.GetBytes(10));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task Expiry_AfterItsLifetime_FileIsGone_BytesReclaimed_AbandonedUploadsRemoved()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await StartServerAsync(o =>
        {
            o.HeartbeatTimeout = TimeSpan.FromMinutes(30);
            o.Files.SweepInterval = TimeSpan.FromHours(1);
        }, clock);
        await using var alice = await server.RegisterAsync("alice");
        using var http = Http(server, alice);
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var file = await alice.Rest.UploadAsync(new MemoryStream(bytes), "offline.bin", "application/octet-stream");
        var abandoned = (await (await CreateAsync(http, RandomNumberGenerator.GetBytes(100))).Content.ReadFromJsonAsync(Json.UploadResult))!.Upload!.Id;
        using (var part = await PutAsync(http, abandoned, 0, RandomNumberGenerator.GetBytes(50))) Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        var root = Path.Combine(server.DataDirectory, "files");
        var blobPath = new LocalBlobStore(root).BlobPath(file.Sha256);
        Assert.True(File.Exists(blobPath));

        // Seven days later the background sweeper, woken by the server's clock, reclaims both.
        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        using var expired = await http.GetAsync($"api/v1/files/{file.Id}");
        for (var i = 0; i < 200 && (File.Exists(blobPath) || Directory.EnumerateFiles(Path.Combine(root, "uploads")).Any()); i++) await Task.Delay(50);

        Assert.Equal("file_expired", (await ErrorAsync(expired, HttpStatusCode.Gone)).Code);
        Assert.False(File.Exists(blobPath));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "uploads")));
        using var upload = await http.GetAsync($"api/v1/uploads/{abandoned}");
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        // The same bytes announced again must be sent again: nothing of them is held any more.
        using var again = await CreateAsync(http, bytes);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task Expiry_BytesStillReferredToByAnotherFile_AreKept()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await StartServerAsync(o => o.HeartbeatTimeout = TimeSpan.FromMinutes(30), clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        var bytes = RandomNumberGenerator.GetBytes(3000);
        var first = await alice.Rest.UploadAsync(new MemoryStream(bytes), "a.bin", "application/octet-stream");
        clock.Advance(TimeSpan.FromDays(5));
        var second = await bob.Rest.UploadAsync(new MemoryStream(bytes), "b.bin", "application/octet-stream");

        clock.Advance(TimeSpan.FromDays(3));
        var swept = await server.Services.GetRequiredService<FilesService>().SweepAsync();

        Assert.Equal((0, 0), swept);
        using var http = Http(server, bob);
        Assert.Equal(bytes, await http.GetByteArrayAsync($"api/v1/files/{second.Id}"));
        Assert.NotEqual(first.Id, second.Id);
    }
}
