using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Core.Files;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Custom avatars from uploads over real HTTP (docs/protocol.md §10.8): made from a picture by its content, square and
/// bounded, named in the profile or group card, told to friends and members, served to anyone with caching, kept
/// after the file it was made from expires, swept once nobody names it.
/// </summary>
public sealed class AvatarTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    /// <summary>The avatar's bytes as anyone fetches them: no token at all.</summary>
    private static async Task<HttpResponseMessage> FetchAsync(TestServer server, string avatar, string? ifNoneMatch = null)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, avatar.TrimStart('/'));
        if (ifNoneMatch is not null) request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(ifNoneMatch));
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Avatar_FromAnUploadedPicture_IsSquare_FriendsHearIt_AnyoneFetchesIt_Cached()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var stranger = await Server.RegisterAsync("stranger");
        await alice.BefriendAsync(bob);
        var bobLive = await bob.ConnectAsync();
        // Sent as plain bytes: the content, not the declared type, makes it a picture.
        var photo = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Png(900, 600)), "me.bin", "application/octet-stream");

        var profile = await alice.Rest.SetAvatarAsync(photo.Id);

        Assert.StartsWith("/api/v1/avatars/", profile.Avatar, StringComparison.Ordinal);
        Assert.Equal(profile.Avatar, (await bobLive.WaitForAsync<ProfileUpdated>(e => e.Profile.Number == alice.Number)).Profile.Avatar);
        Assert.Equal(profile.Avatar, (await stranger.Rest.GetUserAsync(alice.Number)).Avatar);
        Assert.Contains((await bob.Rest.GetFriendsAsync()).Friends, f => f.Profile.Number == alice.Number && f.Profile.Avatar == profile.Avatar);

        using var fetched = await FetchAsync(Server, profile.Avatar);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("image/jpeg", fetched.Content.Headers.ContentType!.MediaType);
        var bytes = await fetched.Content.ReadAsByteArrayAsync();
        Assert.Equal((256, 256), Pictures.Size(bytes));
        Assert.Equal(profile.Avatar["/api/v1/avatars/".Length..], Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(["nosniff"], fetched.Headers.GetValues("X-Content-Type-Options"));
        Assert.True(fetched.Headers.CacheControl!.Public);
        Assert.Equal(TimeSpan.FromDays(365), fetched.Headers.CacheControl.MaxAge);
        var etag = fetched.Headers.ETag!.Tag;
        using var again = await FetchAsync(Server, profile.Avatar, etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);

        // A profile change that sends the avatar back unchanged is accepted; an uploaded avatar's name cannot be made up.
        Assert.Equal(profile.Avatar, (await alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Avatar: profile.Avatar, Signature: "新头像"))).Avatar);
        var madeUp = "/api/v1/avatars/" + new string('a', 64);
        Assert.Equal("invalid_field", await CodeOf(() => alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Avatar: madeUp))));
        using var unknown = await FetchAsync(Server, madeUp);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Avatar_FromSomethingThatIsNotAPicture_OrAFileOneMayNotSee_IsRefused_ProfileUnchanged()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var mallory = await Server.RegisterAsync("mallory");
        var before = (await alice.Rest.GetUserAsync(alice.Number)).Avatar;
        var svg = await alice.Rest.UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"9\" height=\"9\"/></svg>")),
            "face.svg", "image/svg+xml");
        var text = await alice.Rest.UploadAsync(new MemoryStream(RandomNumberGenerator.GetBytes(4000)), "face.png.txt", "text/plain");
        var theirs = await mallory.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(300, 300)), "secret.jpg", "image/jpeg");

        Assert.Equal("not_a_picture", await CodeOf(() => alice.Rest.SetAvatarAsync(svg.Id)));
        Assert.Equal("not_a_picture", await CodeOf(() => alice.Rest.SetAvatarAsync(text.Id)));
        Assert.Equal("not_found", await CodeOf(() => alice.Rest.SetAvatarAsync(theirs.Id)));
        Assert.Equal("not_found", await CodeOf(() => alice.Rest.SetAvatarAsync("../../etc/passwd")));
        Assert.Equal(before, (await alice.Rest.GetUserAsync(alice.Number)).Avatar);
    }

    [Fact]
    public async Task GroupAvatar_SetByTheOwner_MembersHearIt_AMemberMayNot()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        var group = (await alice.Rest.CreateGroupAsync(new CreateGroupRequest("头像群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        Assert.Equal(GroupJoinState.Joined, (await bob.Rest.JoinGroupAsync(group)).State);
        var bobLive = await bob.ConnectAsync();
        var picture = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(400, 800)), "logo.jpg", "image/jpeg");
        var bobs = await bob.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(300, 200)), "mine.jpg", "image/jpeg");

        var card = await alice.Rest.SetGroupAvatarAsync(group, picture.Id);

        Assert.StartsWith("/api/v1/avatars/", card.Avatar, StringComparison.Ordinal);
        Assert.Equal(card.Avatar, (await bobLive.WaitForAsync<GroupUpdated>(e => e.Group.Id == group)).Group.Avatar);
        using (var fetched = await FetchAsync(Server, card.Avatar)) Assert.Equal((256, 256), Pictures.Size(await fetched.Content.ReadAsByteArrayAsync()));
        await Assert.ThrowsAsync<PenguinException>(() => bob.Rest.SetGroupAvatarAsync(group, bobs.Id));
        Assert.Equal(card.Avatar, (await bob.Rest.GetGroupAsync(group)).Avatar);
    }

    [Fact]
    public async Task Avatar_OutlivesTheFileItWasMadeFrom_AnAvatarNobodyNamesIsSwept()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromMinutes(30), clock);
        await using var alice = await server.RegisterAsync("alice");
        var first = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Jpeg(500, 500)), "a.jpg", "image/jpeg");
        var avatar = (await alice.Rest.SetAvatarAsync(first.Id)).Avatar;
        var files = server.Services.GetRequiredService<FilesService>();
        var avatars = server.Services.GetRequiredService<AvatarService>();

        // The file expires and its bytes are reclaimed; the avatar made from it stays.
        clock.Advance(TimeSpan.FromDays(8));
        // (The background sweeper, woken by the clock, may do this first: either way the bytes are gone after it.)
        await files.SweepAsync();
        await avatars.SweepAsync();
        Assert.Null(await server.Services.GetRequiredService<IFileStore>().GetBlobAsync(first.Sha256));
        using (var kept = await FetchAsync(server, avatar)) Assert.Equal(HttpStatusCode.OK, kept.StatusCode);

        // Replaced by another: the old one is removed once its grace has passed, the new one is kept.
        var second = await alice.Rest.UploadAsync(new MemoryStream(Pictures.Png(640, 480)), "b.png", "image/png");
        var replaced = (await alice.Rest.SetAvatarAsync(second.Id)).Avatar;
        Assert.NotEqual(avatar, replaced);
        clock.Advance(AvatarService.Grace + TimeSpan.FromMinutes(1));
        await avatars.SweepAsync();
        using (var gone = await FetchAsync(server, avatar)) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var current = await FetchAsync(server, replaced)) Assert.Equal(HttpStatusCode.OK, current.StatusCode);
    }
}
