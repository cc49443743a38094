using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Penguin.Cli.Commands;
using Penguin.Cli.Runtime;
using Penguin.Core.Files;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>send-file and get against the real server, through a proxy that drops the connection mid-transfer.</summary>
public sealed class FileCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string TempFile(string name, byte[] bytes)
    {
        var directory = Directory.CreateTempSubdirectory("penguin-cli-send-").FullName;
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string TempDirectory() => Directory.CreateTempSubdirectory("penguin-cli-get-").FullName;

    [Fact]
    public async Task SendFile_ToAFriend_ThenTheFriendGetsItByNumberAndSeq_SameBytes()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var path = TempFile("旅行计划.pdf", bytes);

        var sent = JsonSerializer.Deserialize(await alice.RunOkAsync("send-file", bob.N, path, "--caption", "看看", "--json"), CliJson.Wire.SentFile)!;

        Assert.False(sent.Instant);
        Assert.Equal(("旅行计划.pdf", 300_000L, "application/pdf", Sha(bytes)), (sent.File.Name, sent.File.Size, sent.File.ContentType, sent.File.Sha256));
        Assert.Equal((bob.Number, 1L, "看看", sent.File.Id), (sent.Message!.To, sent.Message.Seq, sent.Message.Text, sent.Message.Attachment!.FileId));
        var into = TempDirectory();
        var got = await bob.RunOkAsync("get", $"{alice.N}#1", "--out", into);
        Assert.Contains("SHA-256 checked", got, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "旅行计划.pdf")));
        // Again: a second copy beside the first, never overwritten, and no .part left behind.
        var again = JsonSerializer.Deserialize(await bob.RunOkAsync("get", sent.File.Id, "--out", into, "--json"), CliJson.Wire.SavedFile)!;
        Assert.Equal(Path.Combine(into, "旅行计划 (1).pdf"), again.Path);
        Assert.Equal(bytes, File.ReadAllBytes(again.Path));
        Assert.Empty(Directory.GetFiles(into, "*.part"));
    }

    [Fact]
    public async Task SendFile_ToAGroup_BytesTheServerHolds_AreInstant_AndMembersGetItByGroupAndSeq()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        await CliUser.BefriendAsync(alice, bob);
        using var aliceApi = await alice.LogInClientAsync();
        using var bobApi = await bob.LogInClientAsync();
        var group = (await aliceApi.CreateGroupAsync(new CreateGroupRequest("相册", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await bobApi.JoinGroupAsync(group);
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var path = TempFile("clip.bin", bytes);
        await alice.RunOkAsync("send-file", bob.N, path);

        var output = await alice.RunOkAsync("send-file", $"g:{group}", path);

        Assert.Contains("秒传", output, StringComparison.Ordinal);
        Assert.Contains($"to g:{group} as #1", output, StringComparison.Ordinal);
        var into = TempDirectory();
        await bob.RunOkAsync("get", $"g:{group}#1", "--out", into);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "clip.bin")));
        // Carol is not a member: nothing to see, and nothing written.
        var refused = await carol.RunAsync("get", $"g:{group}#1", "--out", into);
        Assert.Equal(1, refused.Exit);
        Assert.Single(Directory.GetFiles(into));
    }

    [Fact]
    public async Task SendFile_ConnectionDroppedMidUpload_ResumesFromTheConfirmedOffset()
    {
        await using var proxy = new CuttingProxy(Server, cutAfterBytes: 700_000);
        using var alice = await CliUser.CreateAsync(proxy.Url, "Alice");
        using var bob = await CliUser.CreateAsync(proxy.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var bytes = RandomNumberGenerator.GetBytes(1024 * 1024);
        var path = TempFile("big.bin", bytes);

        var result = await alice.RunAsync("send-file", bob.N, path, "--chunk-size", "131072");

        Assert.True(result.Exit == 0, result.Err);
        Assert.Equal(1, proxy.Cuts);
        // Whole chunks of 128 KiB were confirmed before the drop; the upload went on from the last of them, not from 0.
        var resumedAt = long.Parse(System.Text.RegularExpressions.Regex.Match(result.Err, @"resuming the upload from byte (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(resumedAt > 0 && resumedAt % 131072 == 0, result.Err);
        Assert.Contains("Sent big.bin (1.0 MiB)", result.Out, StringComparison.Ordinal);
        var into = TempDirectory();
        await bob.RunOkAsync("get", $"{alice.N}#1", "--out", into);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "big.bin")));
    }

    [Fact]
    public async Task SendFile_KilledMidUpload_RunAgain_ResumesFromTheServersConfirmedOffset()
    {
        // The first run's upload hangs after ~900 KB (the proxy passes nothing more) and the process is killed.
        await using var proxy = new CuttingProxy(Server, cutAfterBytes: 900_000, stall: true);
        using var alice = await CliUser.CreateAsync(proxy.Url, "Alice");
        using var bob = await CliUser.CreateAsync(proxy.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var bytes = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var path = TempFile("train.bin", bytes);
        var store = fixture.Server.Services.GetRequiredService<IFileStore>();
        async Task<UploadRecord?> UnfinishedAsync() =>
            await store.FindUnfinishedUploadAsync(alice.Number, Sha(bytes), bytes.Length, "train.bin", "application/octet-stream", DateTimeOffset.UtcNow);

        long confirmed;
        using (var killed = new CancellationTokenSource())
        {
            var first = alice.RunAsync(["send-file", bob.N, path, "--chunk-size", "131072"], input: null, ct: killed.Token);
            await Eventually.TrueAsync(async () => proxy.Cuts == 1 && await UnfinishedAsync() is { Received: > 0 });
            confirmed = (await UnfinishedAsync())!.Received;
            await killed.CancelAsync();
            Assert.NotEqual(0, (await first).Exit);
        }

        // Run again with the same file (the proxy now passes everything): no state was kept on this side, yet the server
        // answers the unfinished upload and the CLI carries on from its confirmed offset.
        var second = await alice.RunAsync("send-file", bob.N, path, "--chunk-size", "131072");

        Assert.True(second.Exit == 0, second.Err);
        Assert.Contains($"Resuming an unfinished upload of this file from byte {confirmed.ToString(CultureInfo.InvariantCulture)}", second.Err, StringComparison.Ordinal);
        Assert.True(confirmed % 131072 == 0 && confirmed < bytes.Length, $"{confirmed}");
        Assert.Null(await UnfinishedAsync());
        var into = TempDirectory();
        await bob.RunOkAsync("get", $"{alice.N}#1", "--out", into);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "train.bin")));
    }

    [Fact]
    public async Task ProfileAvatar_APicture_BecomesTheAvatar_SomethingElseIsRefusedClearly()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var picture = NetVips.Image.Black(320, 200, bands: 3).Linear(new double[] { 1, 1, 1 }, new double[] { 30, 90, 200 }).Cast(NetVips.Enums.BandFormat.Uchar);
        var jpeg = TempFile("me.jpg", picture.JpegsaveBuffer());
        var notAPicture = TempFile("notes.txt", System.Text.Encoding.UTF8.GetBytes("not a picture"));

        var set = await alice.RunAsync("profile", "avatar", jpeg, "--json");
        var refused = await alice.RunAsync("profile", "avatar", notAPicture);

        Assert.True(set.Exit == 0, set.Err);
        var avatar = JsonDocument.Parse(set.Out).RootElement.GetProperty("avatar").GetString()!;
        Assert.StartsWith("/api/v1/avatars/", avatar, StringComparison.Ordinal);
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("not a JPEG, PNG, GIF or WebP picture", refused.Err, StringComparison.Ordinal);
        Assert.Contains(avatar, await alice.RunOkAsync("profile", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ConnectionDroppedMidDownload_ResumesWithARange_AndChecksTheDigest()
    {
        // Only what the server sends counts: the download is cut a little under halfway.
        await using var proxy = new CuttingProxy(Server, cutAfterBytes: 900_000, downstream: true);
        using var alice = await CliUser.CreateAsync(proxy.Url, "Alice");
        using var bob = await CliUser.CreateAsync(proxy.Url, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var bytes = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        await alice.RunOkAsync("send-file", bob.N, TempFile("movie.mp4", bytes));
        Assert.Equal(0, proxy.Cuts);
        var into = TempDirectory();

        var result = await bob.RunAsync("get", $"{alice.N}#1", "--out", into);

        Assert.True(result.Exit == 0, result.Err);
        Assert.Equal(1, proxy.Cuts);
        var resumedAt = long.Parse(System.Text.RegularExpressions.Regex.Match(result.Err, @"resuming the download from byte (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, bytes.Length - 1);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "movie.mp4")));
        Assert.Empty(Directory.GetFiles(into, "*.part"));
    }

    [Fact]
    public async Task Get_APartLeftByAnEarlierRun_IsResumed_AWrongOneIsDeletedWithAClearError()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var bytes = RandomNumberGenerator.GetBytes(400_000);
        var sent = JsonSerializer.Deserialize(await alice.RunOkAsync("send-file", bob.N, TempFile("notes.txt", bytes), "--json"), CliJson.Wire.SentFile)!;
        var into = TempDirectory();
        var part = Path.Combine(into, $"notes.txt.{sent.File.Sha256[..16]}.part");

        // An earlier run stopped after 150,000 bytes.
        File.WriteAllBytes(part, bytes[..150_000]);
        var resumed = JsonSerializer.Deserialize(await bob.RunOkAsync("get", sent.File.Id, "--out", into, "--json"), CliJson.Wire.SavedFile)!;
        Assert.True(resumed.Resumed);
        Assert.Equal(bytes, File.ReadAllBytes(resumed.Path));
        Assert.False(File.Exists(part));

        // A .part whose bytes are not the file's: the digest catches it, nothing is saved, the .part is gone.
        var wrong = RandomNumberGenerator.GetBytes(150_000);
        File.WriteAllBytes(part, wrong);
        var refused = await bob.RunAsync("get", sent.File.Id, "--out", into);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("do not match its SHA-256", refused.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(part));
        Assert.Single(Directory.GetFiles(into));
        // Run again: whole and right.
        await bob.RunOkAsync("get", sent.File.Id, "--out", into);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(into, "notes (1).txt")));
    }

    [Fact]
    public async Task BadInput_IsRefusedClearly_InBothLanguages_AndNothingIsSent()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var path = TempFile("a.bin", [1, 2, 3]);

        var missing = await alice.RunAsync("send-file", bob.N, Path.Combine(Path.GetDirectoryName(path)!, "nope.bin"));
        Assert.Equal((1, true), (missing.Exit, missing.Err.Contains("There is no file", StringComparison.Ordinal)));
        var directory = await alice.RunAsync("send-file", bob.N, Path.GetDirectoryName(path)!);
        Assert.Equal(2, directory.Exit);
        var target = await alice.RunAsync("send-file", "bob", path);
        Assert.Equal(2, target.Exit);
        Assert.Contains("neither an account number nor a group", target.Err, StringComparison.Ordinal);
        var chunk = await alice.RunAsync("send-file", bob.N, path, "--chunk-size", "10");
        Assert.Equal(2, chunk.Exit);
        var zh = await alice.RunAsync("get", "not-a-file", "--lang", "zh");
        Assert.Equal(2, zh.Exit);
        Assert.Contains("不是文件编号", zh.Err, StringComparison.Ordinal);
        var noMessage = await bob.RunAsync("get", $"{alice.N}#9");
        Assert.Equal(1, noMessage.Exit);
        Assert.Contains("no message #9", noMessage.Err, StringComparison.Ordinal);
        var unknown = await bob.RunAsync("get", "0123456789abcdef0123456789abcdef");
        Assert.Equal(1, unknown.Exit);

        Assert.Contains("No messages", await bob.RunOkAsync("history", alice.N), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnATerminal_ProgressBarsGoToStandardError_TheAnswerStaysOnStandardOutput()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var path = TempFile("photo.raw", RandomNumberGenerator.GetBytes(600_000));
        using var keys = new KeyInput();

        var sent = await alice.RunAsync(["send-file", bob.N, path, "--chunk-size", "65536"], input: null, keys: keys);
        var got = await bob.RunAsync(["get", $"{alice.N}#1", "--out", TempDirectory()], input: null, keys: keys);

        Assert.Equal((0, 0), (sent.Exit, got.Exit));
        Assert.Contains("Uploading [##############################] 100% 585.9 KiB/585.9 KiB", sent.Err, StringComparison.Ordinal);
        Assert.Contains("Downloading [##############################] 100%", got.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("[#", sent.Out, StringComparison.Ordinal);
        Assert.StartsWith("Sent photo.raw", sent.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\win.ini", "win.ini")]
    [InlineData("..", "file-0123")]
    [InlineData(".bashrc", "bashrc")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("a\u0000b:c*d?.txt", "abcd.txt")]
    [InlineData("照片 2026.jpg", "照片 2026.jpg")]
    [InlineData("   ", "file-0123")]
    public void SafeFileName_KeepsOnlyALocalName(string given, string expected) =>
        Assert.Equal(expected, FileCommands.SafeFileName(given, "0123"));

    [Fact]
    public void ContentType_ComesFromTheExtension()
    {
        Assert.Equal("image/jpeg", FileCommands.ContentTypeOf("海边.JPG"));
        Assert.Equal("application/pdf", FileCommands.ContentTypeOf("报告.pdf"));
        Assert.Equal("application/octet-stream", FileCommands.ContentTypeOf("README"));
    }
}
