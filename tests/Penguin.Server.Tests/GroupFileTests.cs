using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Files sent to a group (docs/protocol.md §10 "Files in groups"): what travels with them, and who may download them —
/// members who joined before the message, and the uploader; nobody else.
/// </summary>
public sealed class GroupFileTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    private static async Task<HttpStatusCode> StatusOfDownloadAsync(TestServer server, User user, string fileId)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        using var response = await http.GetAsync($"api/v1/files/{fileId}");
        return response.StatusCode;
    }

    private static async Task<long> GroupOfAsync(User owner, params User[] members)
    {
        var group = (await owner.Rest.CreateGroupAsync(new CreateGroupRequest("相册群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        foreach (var member in members) Assert.Equal(GroupJoinState.Joined, (await member.Rest.JoinGroupAsync(group)).State);
        return group;
    }

    [Fact]
    public async Task Picture_SentToAGroup_ReachesMembers_WithItsFacts_OnlyMembersMayDownloadIt()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await using var mallory = await Server.RegisterAsync("mallory");
        await alice.BefriendAsync(mallory);
        var group = await GroupOfAsync(alice, bob, carol);
        var picture = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(640, 480)), "合照.jpg", "image/jpeg");
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, picture.Id));

        var sent = await aliceLive.SendGroupFileAsync(group, picture.Id, caption: "周末合照");

        var received = (await bobLive.WaitForAsync<GroupMessageReceived>()).Message;
        Assert.Equal(sent.Message, received);
        Assert.Equal(new Attachment(picture.Id, "合照.jpg", picture.Size, "image/jpeg", 640, 480, Preview: true), received.Attachment);
        Assert.Equal("周末合照", received.Text);
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, bob, picture.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, carol, picture.Id));
        // A friend of the uploader who is not in the group sees nothing, as for an id that does not exist.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, mallory, picture.Id));
        Assert.Equal(picture.Id, (await carol.Rest.GetGroupHistoryAsync(group)).Messages.Single().Attachment!.FileId);

        // Leaving the group ends it.
        await carol.Rest.LeaveGroupAsync(group);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, carol, picture.Id));
    }

    [Fact]
    public async Task MemberWhoJoinedAfterTheMessage_MayNotDownloadIt_ButMayDownloadLaterOnes()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice);
        var before = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(2000)), "旧文件.zip", "application/zip");
        var after = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(2100)), "新文件.zip", "application/zip");
        var aliceLive = await alice.ConnectAsync();
        await aliceLive.SendGroupFileAsync(group, before.Id);

        Assert.Equal(GroupJoinState.Joined, (await bob.Rest.JoinGroupAsync(group)).State);
        await aliceLive.SendGroupFileAsync(group, after.Id);

        // History is visible from join time: the earlier file is not bob's to see.
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, before.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, bob, after.Id));
    }

    [Fact]
    public async Task Recalled_TheMembersLoseIt_TheUploaderKeepsIt_HistoryShowsNoAttachment()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice, bob);
        var file = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1500)), "报告.pdf", "application/pdf");
        var aliceLive = await alice.ConnectAsync();
        var sent = await aliceLive.SendGroupFileAsync(group, file.Id);
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, bob, file.Id));

        await aliceLive.RecallGroupMessageAsync(group, sent.Message.Id);

        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, file.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, alice, file.Id));
        var shown = (await bob.Rest.GetGroupHistoryAsync(group)).Messages.Single();
        Assert.True(shown.Recalled);
        Assert.Null(shown.Attachment);
    }

    [Fact]
    public async Task VoiceClip_CarriesItsDuration_AMemberMayForwardItToAnotherGroup()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        var first = await GroupOfAsync(alice, bob);
        var second = await GroupOfAsync(bob, carol);
        var clip = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(3000)), "语音.ogg", "audio/ogg");
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        var sent = await aliceLive.SendGroupFileAsync(first, clip.Id, durationMs: 4200);
        Assert.Null(sent.Message.Text);
        Assert.Equal(4200, sent.Message.Attachment!.DurationMs);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, carol, clip.Id));

        var forwarded = await bobLive.SendGroupFileAsync(second, clip.Id);

        Assert.Equal(clip.Id, forwarded.Message.Attachment!.FileId);
        Assert.Equal(HttpStatusCode.OK, await StatusOfDownloadAsync(Server, carol, clip.Id));
    }

    [Fact]
    public async Task Send_SomeoneElsesFile_ANonMember_OrBadFields_AreRefused_AndNothingIsSent()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var mallory = await Server.RegisterAsync("mallory");
        var group = await GroupOfAsync(alice, bob);
        var secret = await mallory.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1000)), "secret.bin", "application/octet-stream");
        var mine = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1000)), "mine.bin", "application/octet-stream");
        var aliceLive = await alice.ConnectAsync();
        var malloryLive = await mallory.ConnectAsync();

        // A file id alice may not see: not found, so she learns nothing of it, and bob cannot be handed it.
        Assert.Equal("not_found", await CodeOf(() => aliceLive.SendGroupFileAsync(group, secret.Id)));
        Assert.Equal("not_found", await CodeOf(() => aliceLive.SendGroupFileAsync(group, "0123456789abcdef0123456789abcdef")));
        // A duration on a file that is not a voice clip, or out of range.
        Assert.Equal("invalid_field", await CodeOf(() => aliceLive.SendGroupFileAsync(group, mine.Id, durationMs: 1000)));
        Assert.Equal("invalid_field", await CodeOf(() => aliceLive.SendGroupFileAsync(group, mine.Id, durationMs: -1)));
        // A duration without a file.
        Assert.Equal("invalid_field", await CodeOf(() => aliceLive.RequestAsync<GroupMessageAccepted>(
            new SendGroupMessage(group, "no-file", "hi", DurationMs: 500))));
        // Not a member: refused before the file is even looked at.
        Assert.Equal("not_member", await CodeOf(() => malloryLive.SendGroupFileAsync(group, secret.Id)));

        Assert.Empty((await alice.Rest.GetGroupHistoryAsync(group)).Messages);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfDownloadAsync(Server, bob, secret.Id));
    }

    [Fact]
    public async Task Send_RetriedWithTheSameClientId_IsTheSameMessage()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice, bob);
        var file = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1000)), "a.bin", "application/octet-stream");
        var other = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(1000)), "b.bin", "application/octet-stream");
        var aliceLive = await alice.ConnectAsync();

        var first = await aliceLive.SendGroupFileAsync(group, file.Id, clientId: "f-1");
        var again = await aliceLive.SendGroupFileAsync(group, file.Id, clientId: "f-1");

        Assert.True(again.Duplicate);
        Assert.Equal(first.Message, again.Message);
        // The same client id for another file is a mistake, not the same message.
        Assert.Equal("bad_request", await CodeOf(() => aliceLive.SendGroupFileAsync(group, other.Id, clientId: "f-1")));
        Assert.Single((await bob.Rest.GetGroupHistoryAsync(group)).Messages);
    }
}
