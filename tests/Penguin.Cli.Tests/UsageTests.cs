using System.Text.Json;
using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>Command-line mistakes never reach a server: usage on stderr and exit code 2.</summary>
public sealed class UsageTests : IDisposable
{
    // Nothing listens here; a command that reached the network would fail with exit 1, not 2.
    private readonly CliUser _user = new("http://127.0.0.1:9");

    public void Dispose() => _user.Dispose();

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("friend")]
    [InlineData("add")]
    [InlineData("add", "10001", "extra")]
    [InlineData("add", "not-a-number")]
    [InlineData("friends", "--colour", "blue")]
    [InlineData("login", "10001", "--device", "toaster", "--password", "x")]
    [InlineData("settings", "set", "--show-birthday", "maybe")]
    [InlineData("profile", "set", "--birthday", "17/05/1990")]
    [InlineData("status", "sleepy")]
    [InlineData("whoami", "--lang", "fr")]
    [InlineData("chat")]
    [InlineData("chat", "bob")]
    [InlineData("send", "10001")]
    [InlineData("history", "10001", "--limit", "0")]
    [InlineData("history", "10001", "--before", "last")]
    [InlineData("grep", "x", "--limit", "1000")]
    public async Task BadCommandLine_PrintsUsageAndExits2(params string[] args)
    {
        var result = await _user.RunAsync(args);
        Assert.Equal(2, result.Exit);
        Assert.Empty(result.Out);
        Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
        Assert.Contains("penguin help", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_WithJson_WritesAUsageErrorObject()
    {
        var result = await _user.RunAsync("frobnicate", "--json");
        Assert.Equal(2, result.Exit);
        var error = JsonSerializer.Deserialize(result.Err, PenguinJson.Wire.ErrorResponse)!.Error;
        Assert.Equal("usage", error.Code);
        Assert.Contains("frobnicate", error.MessageZh, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommandOfTheTable()
    {
        var result = await _user.RunAsync("help");
        Assert.Equal(0, result.Exit);
        foreach (var command in Program.Commands) Assert.Contains($"  {command.Name} ", result.Out, StringComparison.Ordinal);
        Assert.Contains("Log out this device / 退出登录", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandHelp_ShowsItsOptions()
    {
        var result = await _user.RunAsync("friends", "--help");
        Assert.Equal(0, result.Exit);
        Assert.Contains("--watch", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerDown_IsAFailureNotAUsageError()
    {
        var result = await _user.RunAsync("register", "Nobody", "--password", CliUser.Password);
        Assert.Equal(1, result.Exit);
        Assert.Contains("unreachable at http://127.0.0.1:9", result.Err, StringComparison.Ordinal);
        Assert.Contains("scripts/run.sh", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerDown_WithoutALogin_SaysUnreachableRatherThanNotLoggedIn()
    {
        var result = await _user.RunAsync("whoami");
        Assert.Equal(1, result.Exit);
        Assert.Contains("unreachable at http://127.0.0.1:9", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Not logged in", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accept", "#")]
    [InlineData("accept", "#x")]
    [InlineData("profile", "show", "")]
    [InlineData("--profile", "../etc", "whoami")]
    [InlineData("--", "")]
    [InlineData("--=x")]
    [InlineData("login", "10001", "--sessions", "0", "--password", "x")]
    public async Task MoreBadCommandLines_PrintUsageAndExit2(params string[] args)
    {
        var result = await _user.RunAsync(args);
        Assert.True(result.Exit == 2, result.Err);
        Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LongestCommandNameWins_AndOptionsTakeTheirValues()
    {
        var line = CommandLine.Parse(["friend", "remark", "10002", "--json", "老王"], Program.Commands);
        Assert.Equal("friend remark", line.Command!.Name);
        Assert.Equal(["10002", "老王"], line.Args);
        Assert.True(line.Global.Json);

        var add = CommandLine.Parse(["add", "10003", "--message=hi there", "--group", "7"], Program.Commands);
        Assert.Equal("add", add.Command!.Name);
        Assert.Equal(["10003"], add.Args);
        Assert.Equal("hi there", add.Options["message"]);
        Assert.Equal("7", add.Options["group"]);

        var dashes = CommandLine.Parse(["friend", "remark", "10002", "--", "--odd--"], Program.Commands);
        Assert.Equal(["10002", "--odd--"], dashes.Args);
    }
}
