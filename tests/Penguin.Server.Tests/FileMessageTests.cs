using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>Files sent as one-to-one messages: what travels with them, and who may download them.</summary>
public sealed class FileMessageTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static HttpClient Http(TestServer server, User user)
    {
        var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        return http;
    }

    private static async Task<HttpStatusCode> StatusOfDownloadAsync(TestServer server, User user, string fileId)
    {
        using var http = Http(server, user);
        using var response = await http.GetAsync($"api/v1/files/{fileId}");
        return response.StatusCode;
    }

    [Fact]
    public async Task Picture_SentToAFriend_ArrivesWithItsFacts_OnlyThePairMayDownloadIt()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await using var mallory = await Server.RegisterAsync("mallory");
        await alice.BefriendAsync(bob);
        await alice.BefriendAsync(carol);
        var picture = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(800, 600)), "海边.jpg", "image/jpeg");
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        // Before it is sent, only alice may download it.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, picture.Id));

        var sent = await aliceLive.SendFileAsync(bob.Number, picture.Id, caption: "看海");

        var received = (await bobLive.WaitForAsync<MessageReceived>()).Message;
        Assert.Equal(sent.Message, received);
        Assert.Equal(new Attachment(picture.Id, "海边.jpg", picture.Size, "image/jpeg", 800, 600, Preview: true), received.Attachment);
        Assert.Equal("看海", received.Text);
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, bob, picture.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, alice, picture.Id));
        // A friend of alice's who is not in the conversation, and a stranger, see nothing.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, carol, picture.Id));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, mallory, picture.Id));
        // History shows it too.
        Assert.Equal(picture.Id, (await bob.Rest.GetHistoryAsync(alice.Number)).Messages.Single().Attachment!.FileId);

        // Recalled: the recipient loses it, the uploader keeps it.
        await aliceLive.RecallAsync(sent.Message.Id);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, picture.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, alice, picture.Id));
        Assert.Null((await bob.Rest.GetHistoryAsync(alice.Number)).Messages.Single().Attachment);
    }

    [Fact]
    public async Task VoiceClip_CarriesItsDuration_AndTheRecipientMayForwardIt()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await bob.BefriendAsync(carol);
        var clip = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(4000)), "语音.ogg", "audio/ogg");
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        var sent = await aliceLive.SendFileAsync(bob.Number, clip.Id, durationMs: 3200);
        var forwarded = await bobLive.SendFileAsync(carol.Number, clip.Id);

        Assert.Equal(3200, sent.Message.Attachment!.DurationMs);
        Assert.Null(sent.Message.Text);
        Assert.Equal(clip.Id, forwarded.Message.Attachment!.FileId);
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, carol, clip.Id));
    }

    [Fact]
    public async Task Duration_WithoutAFile_IsInvalidField_NothingSent()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();

        var error = await Assert.ThrowsAsync<PenguinException>(() =>
            aliceLive.RequestAsync<MessageAccepted>(new SendMessage(bob.Number, "no-file", "hi") { DurationMs = 500 }));

        Assert.Equal("invalid_field", error.Error.Code);
        Assert.Empty((await bob.Rest.GetHistoryAsync(alice.Number)).Messages);
    }

    [Fact]
    public async Task File_NotTheSendersToSend_IsNotFound_NothingSent()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var mallory = await Server.RegisterAsync("mallory");
        await mallory.BefriendAsync(bob);
        var secret = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(100)), "私密.bin", "application/octet-stream");
        var malloryLive = await mallory.ConnectAsync();

        var error = await Assert.ThrowsAsync<PenguinException>(() => malloryLive.SendFileAsync(bob.Number, secret.Id));
        var badDuration = await Assert.ThrowsAsync<PenguinException>(() => malloryLive.SendFileAsync(bob.Number, secret.Id, durationMs: -5));

        Assert.Equal("not_found", error.Error.Code);
        Assert.Equal("invalid_field", badDuration.Error.Code);
        Assert.Empty((await bob.Rest.GetHistoryAsync(mallory.Number)).Messages);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, secret.Id));
    }
}
