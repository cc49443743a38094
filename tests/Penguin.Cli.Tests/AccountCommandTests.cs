using System.Text.Json;
using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

public sealed class AccountCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    [Fact]
    public async Task Register_Login_WhoAmI_ShowsTheLoggedInAccount()
    {
        using var alice = new CliUser(Server);
        var registered = await alice.RunAsync(["register", "小企鹅Alice"], input: CliUser.Password + "\n");
        Assert.Equal(0, registered.Exit);
        var number = long.Parse(System.Text.RegularExpressions.Regex.Match(registered.Out, @"number is (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var login = await alice.RunAsync(["login", number.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", "mobile", "--name", "test phone"], input: CliUser.Password + "\n");
        Assert.Equal(0, login.Exit);
        Assert.Contains($"小企鹅Alice ({number})", login.Out, StringComparison.Ordinal);

        var whoami = await alice.RunOkAsync("whoami");
        Assert.Contains($"小企鹅Alice ({number})", whoami, StringComparison.Ordinal);
        Assert.Contains("Nickname: 小企鹅Alice", whoami, StringComparison.Ordinal);

        var sessions = await alice.RunOkAsync("sessions");
        Assert.Contains("test phone", sessions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WritesTheConfigReadableByTheOwnerOnly()
    {
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        var path = Path.Combine(bob.Home, "config.json");
        var config = JsonSerializer.Deserialize(File.ReadAllBytes(path), CliJson.Wire.CliConfig)!;
        Assert.Equal(bob.Number, config.Number);
        Assert.False(string.IsNullOrEmpty(config.Token));
        Assert.Equal(new Uri(Server), new Uri(config.Server!));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Logout_ForgetsTheTokenAndLaterCommandsSayLogInFirst()
    {
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        await carol.RunOkAsync("logout");

        var whoami = await carol.RunAsync("whoami");
        Assert.Equal(1, whoami.Exit);
        Assert.Contains("Not logged in", whoami.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_EveryAnswerParsesWithTheProtocolContext()
    {
        using var dave = await CliUser.CreateAsync(Server, "Dave");

        var me = JsonSerializer.Deserialize(await dave.RunOkAsync("whoami", "--json"), PenguinJson.Wire.Me)!;
        Assert.Equal(dave.Number, me.Profile.Number);
        Assert.Equal(dave.Nickname, me.Profile.Nickname);

        var groups = JsonSerializer.Deserialize(await dave.RunOkAsync("groups", "add", "同学", "--json"), PenguinJson.Wire.BuddyGroupList)!;
        Assert.Contains(groups.Groups, g => g.Name == "同学" && !g.IsDefault);

        var list = JsonSerializer.Deserialize(await dave.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!;
        Assert.Empty(list.Friends);
        Assert.Equal(2, list.Groups.Length);

        var profile = JsonSerializer.Deserialize(
            await dave.RunOkAsync("profile", "set", "--signature", "你好", "--birthday", "1999-02-03", "--city", "深圳", "--json"), PenguinJson.Wire.Profile)!;
        Assert.Equal("你好", profile.Signature);
        Assert.Equal(new DateOnly(1999, 2, 3), profile.Birthday);
        Assert.Equal("深圳", profile.Region?.City);

        var settings = JsonSerializer.Deserialize(await dave.RunOkAsync("settings", "set", "--add-policy", "anyone", "--show-birthday", "true", "--json"), PenguinJson.Wire.AccountSettings)!;
        Assert.Equal(AddPolicy.Anyone, settings.AddPolicy);
        Assert.True(settings.ShowBirthday);

        Assert.True(JsonSerializer.Deserialize(await dave.RunOkAsync("logout", "--json"), CliJson.Wire.Done)!.Ok);
    }

    [Fact]
    public async Task Login_WrongPassword_PrintsAuthFailedInTheChosenLanguageAndExits1()
    {
        using var erin = await CliUser.CreateAsync(Server, "Erin");

        var english = await erin.RunAsync("login", erin.N, "--password", "not the password");
        Assert.Equal(1, english.Exit);
        Assert.Contains(Errors.AuthFailed.Message, english.Err, StringComparison.Ordinal);

        var chinese = await erin.RunAsync("login", erin.N, "--password", "not the password", "--lang", "zh");
        Assert.Equal(1, chinese.Exit);
        Assert.Contains(Errors.AuthFailed.MessageZh, chinese.Err, StringComparison.Ordinal);

        var json = await erin.RunAsync("login", erin.N, "--password", "not the password", "--json");
        Assert.Equal(1, json.Exit);
        Assert.Empty(json.Out);
        var error = JsonSerializer.Deserialize(json.Err, PenguinJson.Wire.ErrorResponse)!.Error;
        Assert.Equal(Errors.AuthFailed, error);
    }

    [Fact]
    public async Task Errors_FollowTheLocaleWhenNoLangIsGiven()
    {
        using var frank = new CliUser(Server, lang: "zh_CN.UTF-8");
        var result = await frank.RunAsync("whoami");
        Assert.Equal(1, result.Exit);
        Assert.Contains("尚未登录", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_InvalidNickname_ShowsTheServersReasonAndExits1()
    {
        using var nobody = new CliUser(Server);
        var result = await nobody.RunAsync("register", new string('x', 30), "--password", CliUser.Password);
        Assert.Equal(1, result.Exit);
        Assert.Contains(Errors.InvalidNickname.Message, result.Err, StringComparison.Ordinal);
    }
}
