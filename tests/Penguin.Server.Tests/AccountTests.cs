using System.Net;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class AccountTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Register_FreshServer_AssignsNumbersInSequenceFrom10001()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient();

        Assert.Equal(10001, await client.RegisterAsync("企鹅一号", User.Password));
        Assert.Equal(10002, await client.RegisterAsync("Penguin Two", User.Password));
        Assert.Equal(10003, await client.RegisterAsync("🐧", User.Password));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("this nickname is far too long to be accepted")]
    [InlineData("bell\u0007")]
    [InlineData("line\nbreak")]
    [InlineData("evil\u202Eeman")]
    public async Task Register_InvalidNickname_IsRefusedAndCreatesNothing(string nickname)
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient();

        var error = await Assert.ThrowsAsync<PenguinException>(() => client.RegisterAsync(nickname, User.Password));

        Assert.Equal("invalid_nickname", error.Error.Code);
        Assert.Equal(400, error.Status);
        Assert.False(string.IsNullOrEmpty(error.Error.MessageZh));
        Assert.Equal(10001, await client.RegisterAsync("valid", User.Password));
    }

    [Fact]
    public async Task Register_ShortPassword_IsRefused()
    {
        using var client = Server.NewClient();
        var error = await Assert.ThrowsAsync<PenguinException>(() => client.RegisterAsync("short", "1234567"));
        Assert.Equal("invalid_password", error.Error.Code);
    }

    [Fact]
    public async Task Register_TooManyFromOneAddress_IsThrottled()
    {
        await using var server = await TestServer.StartAsync(o => o.Accounts.RegistrationsPerAddress = 2);
        using var client = server.NewClient();
        await client.RegisterAsync("one", User.Password);
        await client.RegisterAsync("two", User.Password);

        var error = await Assert.ThrowsAsync<PenguinException>(() => client.RegisterAsync("three", User.Password));

        Assert.Equal("throttled", error.Error.Code);
        Assert.Equal((int)HttpStatusCode.TooManyRequests, error.Status);
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownAccount_GiveTheSameAnswer()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var client = Server.NewClient();

        var wrongPassword = await Assert.ThrowsAsync<PenguinException>(() => client.LoginAsync(alice.Number, "wrong password", DeviceKind.Pc));
        var unknown = await Assert.ThrowsAsync<PenguinException>(() => client.LoginAsync(99_999_999, "wrong password", DeviceKind.Pc));

        Assert.Equal(wrongPassword.Error, unknown.Error);
        Assert.Equal(wrongPassword.Status, unknown.Status);
        Assert.Equal("auth_failed", unknown.Error.Code);
    }

    [Fact]
    public async Task Login_RepeatedFailures_AreThrottledEvenWithTheRightPassword()
    {
        await using var alice = await Server.RegisterAsync("alice");
        using var client = Server.NewClient();
        for (var i = 0; i < 5; i++)
            await Assert.ThrowsAsync<PenguinException>(() => client.LoginAsync(alice.Number, "guess " + i, DeviceKind.Web));

        var error = await Assert.ThrowsAsync<PenguinException>(() => client.LoginAsync(alice.Number, User.Password, DeviceKind.Web));

        Assert.Equal("throttled", error.Error.Code);
    }

    [Fact]
    public async Task Login_SeveralDevices_EachGetsItsOwnSession()
    {
        await using var alice = await Server.RegisterAsync("alice", DeviceKind.Pc);
        var (phone, _) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var (web, _) = await alice.AddDeviceAsync(DeviceKind.Web);

        var sessions = (await phone.GetSessionsAsync()).Sessions;

        Assert.Equal([DeviceKind.Pc, DeviceKind.Mobile, DeviceKind.Web], sessions.Select(s => s.Device));
        Assert.Single(sessions, s => s.Current);
        Assert.Equal(DeviceKind.Mobile, sessions.Single(s => s.Current).Device);
        Assert.NotEqual(phone.Token, web.Token);
    }

    [Fact]
    public async Task Logout_OneDevice_EndsOnlyThatDevicesSession()
    {
        await using var alice = await Server.RegisterAsync("alice", DeviceKind.Pc);
        var pcConnection = await alice.ConnectAsync();
        var (phone, phoneConnection) = await alice.AddDeviceAsync(DeviceKind.Mobile);

        await phone.LogoutAsync();

        var ended = await phoneConnection.WaitForAsync<SessionEnded>();
        Assert.Equal("session_revoked", ended.Code);
        await phoneConnection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4001, (int?)phoneConnection.CloseStatus);
        var error = await Assert.ThrowsAsync<PenguinException>(() => phone.GetMeAsync());
        Assert.Equal("invalid_token", error.Error.Code);
        await pcConnection.PingAsync();
        Assert.Equal(alice.Number, (await alice.Rest.GetMeAsync()).Profile.Number);
    }

    [Fact]
    public async Task LogoutAll_EndsEverySession()
    {
        await using var alice = await Server.RegisterAsync("alice", DeviceKind.Pc);
        var pcConnection = await alice.ConnectAsync();
        var (phone, phoneConnection) = await alice.AddDeviceAsync(DeviceKind.Mobile);

        await alice.Rest.LogoutAllAsync();

        await pcConnection.WaitForAsync<SessionEnded>();
        await phoneConnection.WaitForAsync<SessionEnded>();
        await Assert.ThrowsAsync<PenguinException>(() => phone.GetMeAsync());
        await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.GetMeAsync());
    }

    [Fact]
    public async Task LogoutSession_OfAnotherUser_IsNotFoundAndChangesNothing()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var mallory = await Server.RegisterAsync("mallory");
        var aliceSession = (await alice.Rest.GetSessionsAsync()).Sessions.Single().Id;

        var error = await Assert.ThrowsAsync<PenguinException>(() => mallory.Rest.LogoutSessionAsync(aliceSession));

        Assert.Equal("not_found", error.Error.Code);
        Assert.Equal(alice.Number, (await alice.Rest.GetMeAsync()).Profile.Number);
    }

    [Fact]
    public async Task Api_WithoutToken_IsRefused()
    {
        using var client = Server.NewClient();
        var error = await Assert.ThrowsAsync<PenguinException>(() => client.GetMeAsync());
        Assert.Equal("not_authenticated", error.Error.Code);
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task UpdateProfile_ValidChange_IsSavedAndPushedToOwnDevices()
    {
        await using var alice = await Server.RegisterAsync("alice");
        var (_, phone) = await alice.AddDeviceAsync(DeviceKind.Mobile);

        var profile = await alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(
            Nickname: "小爱", Signature: "今天天气不错 ☀️", Gender: Gender.Female, Birthday: new DateOnly(1999, 2, 3),
            Region: new Region("广东", "深圳"), Avatar: "penguin-07"));

        Assert.Equal("小爱", profile.Nickname);
        var pushed = await phone.WaitForAsync<ProfileUpdated>();
        Assert.Equal(profile, pushed.Profile);
        Assert.Equal(profile, (await alice.Rest.GetMeAsync()).Profile);
    }

    [Theory]
    [InlineData("avatar")]
    [InlineData("signature")]
    [InlineData("birthday")]
    [InlineData("nickname")]
    public async Task UpdateProfile_InvalidField_IsRefusedAndChangesNothing(string field)
    {
        await using var alice = await Server.RegisterAsync("alice");
        var before = (await alice.Rest.GetMeAsync()).Profile;
        var change = field switch
        {
            "avatar" => new UpdateProfileRequest(Avatar: "http://evil.example/x.png"),
            "signature" => new UpdateProfileRequest(Signature: new string('长', Limits.SignatureMaxLength + 1)),
            "birthday" => new UpdateProfileRequest(Birthday: DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(2))),
            _ => new UpdateProfileRequest(Nickname: "\t"),
        };

        await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.UpdateProfileAsync(change));

        Assert.Equal(before, (await alice.Rest.GetMeAsync()).Profile);
    }
}
