using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>No input crashes the CLI: every command, with empty, missing and garbage arguments, against the real server.</summary>
public sealed class RobustnessTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    private static readonly string[] Garbage = ["", " ", "-1", "abc", "#", "#1", "0", "99999999999999999999", "9223372036854775807", "1e3", "１２３", "\u202e", "小红"];

    /// <summary>Every command line to try: each command with no arguments, each argument slot filled with each garbage
    /// value, an unknown flag, and each of its valued options given empty or garbage values.</summary>
    public static TheoryData<string> CommandNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Program.Commands) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task EveryCommand_WithEmptyOrGarbageArguments_AnswersWithAMessageAndAnExitCode(string name)
    {
        var command = Program.Commands.Single(c => c.Name == name);
        using var user = await CliUser.CreateAsync(Server, "Robust");
        using var friend = await CliUser.CreateAsync(Server, "Friend");
        await user.RunOkAsync("settings", "set", "--add-policy", "anyone");
        await friend.RunOkAsync("add", user.N);

        var path = command.Path;
        var slots = Math.Max(1, Math.Min(3, command.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
        List<string[]> lines = [path, [.. path, "--frobnicate"], [.. path, "--json", "--lang"], [.. path, "--server"]];
        foreach (var value in Garbage)
        {
            for (var n = 1; n <= slots; n++) lines.Add([.. path, .. Enumerable.Repeat(value, n)]);
            lines.Add([.. path, friend.N, value]);
            foreach (var option in command.Options.Where(o => o.Value is not null))
                lines.Add([.. path, friend.N, $"--{option.Name}", value]);
        }

        foreach (var line in lines)
        {
            // Commands that stay connected end with their input (chat) or are not started (the flags --watch and
            // --wait are never given here).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var result = await user.RunAsync(line, input: "", ct: timeout.Token);
            var shown = $"penguin {string.Join(' ', line.Select(a => $"'{a}'"))} → {result.Exit}\n{result.Err}";
            Assert.True(result.Exit is 0 or 1 or 2, shown);
            Assert.DoesNotContain("Unhandled exception", result.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("this is a bug", result.Err, StringComparison.Ordinal);
            if (result.Exit != 0 && line.Contains("--json"))
                Assert.False(string.IsNullOrEmpty(JsonSerializer.Deserialize(result.Err, PenguinJson.Wire.ErrorResponse)!.Error.Message), shown);
            else if (result.Exit != 0) Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
            // Logging out (or in again) is a valid outcome of the garbage; log back in for the next line.
            if (line[0] is "logout" or "login")
                await user.RunOkAsync("login", user.N, "--password", CliUser.Password);
        }
    }

    [Fact]
    public async Task TheEmptyArgumentsOfTheIssue_DoWhatHelpSays()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await bob.RunOkAsync("settings", "set", "--add-policy", "anyone");
        await alice.RunOkAsync("add", bob.N);
        await alice.RunOkAsync("friend", "remark", bob.N, "老王");
        await alice.RunOkAsync("profile", "set", "--signature", "在忙");

        // "" clears the remark, as help says.
        Assert.Contains("Remark cleared", await alice.RunOkAsync("friend", "remark", bob.N, ""), StringComparison.Ordinal);
        var friend = Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!.Friends);
        Assert.True(string.IsNullOrEmpty(friend.Remark));

        // An empty message is refused before anything is sent.
        var send = await alice.RunAsync("send", bob.N, "");
        Assert.Equal(2, send.Exit);
        Assert.Contains("The message is empty", send.Err, StringComparison.Ordinal);
        Assert.Empty(JsonSerializer.Deserialize(await alice.RunOkAsync("history", bob.N, "--json"), PenguinJson.Wire.MessagePage)!.Messages);

        var search = await alice.RunAsync("search", "", "--lang", "zh");
        Assert.Equal(2, search.Exit);
        Assert.Contains("请给出要查找的账号", search.Err, StringComparison.Ordinal);

        // An empty signature clears it.
        var profile = JsonSerializer.Deserialize(await alice.RunOkAsync("profile", "set", "--signature", "", "--json"), PenguinJson.Wire.Profile)!;
        Assert.True(string.IsNullOrEmpty(profile.Signature));
        Assert.DoesNotContain("Signature", await alice.RunOkAsync("profile", "show"), StringComparison.Ordinal);
    }
}
