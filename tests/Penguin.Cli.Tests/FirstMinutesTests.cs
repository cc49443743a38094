using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>A newcomer's first minutes with the CLI: the README's "Try it" flow as written, and its stumbles.</summary>
public sealed partial class FirstMinutesTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    [GeneratedRegex(@"number is (\d+)")]
    private static partial Regex NumberIs();

    [Fact]
    public async Task ReadmeTryIt_AsWritten_WatchAndChatRunSideBySide()
    {
        // penguin register 小明 (password from $PENGUIN_PASSWORD); penguin login 10001 --device pc
        using var xiaoming = new CliUser(Server);
        xiaoming.Env["PENGUIN_PASSWORD"] = CliUser.Password;
        var registered = await xiaoming.RunOkAsync("register", "小明");
        var number = NumberIs().Match(registered).Groups[1].Value;
        Assert.Contains("小明", await xiaoming.RunOkAsync("login", number, "--device", "pc"), StringComparison.Ordinal);

        // Someone to talk to: 小红, in their own home.
        using var xiaohong = await CliUser.CreateAsync(Server, "小红");

        // penguin search 小红; penguin add 10002 --message "我是小明"
        Assert.Contains(xiaohong.Nickname, await xiaoming.RunOkAsync("search", xiaohong.Nickname), StringComparison.Ordinal);
        Assert.Contains("Friend request", await xiaoming.RunOkAsync("add", xiaohong.N, "--message", "我是小明"), StringComparison.Ordinal);

        // 小红 sees '#ID' and accepts it as shown.
        var requests = await xiaohong.RunOkAsync("requests");
        var id = Regex.Match(requests, @"#(\d+)").Groups[0].Value;
        Assert.Contains("我是小明", requests, StringComparison.Ordinal);
        Assert.Contains("now friends", await xiaohong.RunOkAsync("accept", id), StringComparison.Ordinal);

        // penguin friends --watch (one terminal) …
        var watchScreen = new LockedWriter();
        using var stopWatch = new CancellationTokenSource();
        var watch = xiaoming.RunAsync(["friends", "--watch"], input: null, output: watchScreen, ct: stopWatch.Token);
        await watchScreen.WaitForFrameAsync(f => f.Contains($"{xiaohong.Nickname} {xiaohong.N}  offline", StringComparison.Ordinal));

        // … and penguin chat 10002 (another terminal), at the same time.
        var chatScreen = new LockedWriter();
        using var stdin = new PipeInput();
        var chat = xiaoming.RunAsync(["chat", xiaohong.N], input: null, output: chatScreen, stdin: stdin);
        CliResult chatResult;
        try
        {
            await chatScreen.WaitForTextAsync("(no messages yet)");
            stdin.WriteLine("你好，小红");
            await chatScreen.WaitForTextAsync("#1 ✓ sent]");

            // 小红 comes online and answers: the watch (still live beside the chat) and the chat both show it.
            using var stopStatus = new CancellationTokenSource();
            var status = xiaohong.RunAsync(["status", "busy", "--wait"], input: null, ct: stopStatus.Token);
            await watchScreen.WaitForFrameAsync(f => f.Contains($"◐ {xiaohong.Nickname} {xiaohong.N}  busy (pc)", StringComparison.Ordinal));
            await xiaohong.RunOkAsync("send", number, "在呢");
            await chatScreen.WaitForTextAsync($"{xiaohong.Nickname}: 在呢");
            await stopStatus.CancelAsync();
            Assert.Equal(0, (await status.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
            await watchScreen.WaitForFrameAsync(f => f.Contains($"○ {xiaohong.Nickname} {xiaohong.N}  offline", StringComparison.Ordinal));
        }
        finally
        {
            stdin.End();
            chatResult = await chat.WaitAsync(TimeSpan.FromSeconds(20));
        }
        Assert.True(chatResult.Exit == 0, chatResult.Err + chatScreen);
        Assert.False(watch.IsCompleted, "the watch ended while the chat ran");
        await stopWatch.CancelAsync();
        var watchResult = await watch.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, watchResult.Exit);
        Assert.DoesNotContain("Connection lost", watchResult.Err + watchScreen, StringComparison.Ordinal);
        Assert.DoesNotContain("connected again", chatScreen.ToString(), StringComparison.Ordinal);

        // penguin conversations; penguin help
        var conversations = await xiaoming.RunOkAsync("conversations");
        Assert.Contains($"{xiaohong.Nickname} ({xiaohong.N})", conversations, StringComparison.Ordinal);
        Assert.Contains("在呢", conversations, StringComparison.Ordinal);
        Assert.Contains("chat <number|g:group>", await xiaoming.RunOkAsync("help"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllSessionsTaken_TheNextLiveCommandSaysWhatToDo()
    {
        using var alice = new CliUser(Server);
        alice.Env["PENGUIN_PASSWORD"] = CliUser.Password;
        var number = NumberIs().Match(await alice.RunOkAsync("register", "Alice")).Groups[1].Value;
        await alice.RunOkAsync("login", number, "--sessions", "1");

        using var stop = new CancellationTokenSource();
        var screen = new LockedWriter();
        var watch = alice.RunAsync(["friends", "--watch"], input: null, output: screen, ct: stop.Token);
        await screen.WaitForFrameAsync(f => f.Contains("No friends yet", StringComparison.Ordinal));
        var status = await alice.RunAsync("status", "away", "--wait");
        Assert.Equal(1, status.Exit);
        Assert.Contains("--sessions", status.Err, StringComparison.Ordinal);
        await stop.CancelAsync();
        Assert.Equal(0, (await watch.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
    }

    [Fact]
    public async Task Profiles_KeepTwoLoginsInOneHome_AndReplacingALoginSaysSo()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");

        // Alice's home gets a second login, Bob's, under the profile "work".
        await alice.RunOkAsync("--profile", "work", "login", bob.N, "--password", CliUser.Password);
        Assert.Contains($"({alice.N})", await alice.RunOkAsync("whoami"), StringComparison.Ordinal);
        Assert.Contains($"({bob.N})", await alice.RunOkAsync("whoami", "--profile", "work"), StringComparison.Ordinal);
        alice.Env["PENGUIN_PROFILE"] = "work";
        Assert.Contains($"({bob.N})", await alice.RunOkAsync("whoami"), StringComparison.Ordinal);
        alice.Env.Remove("PENGUIN_PROFILE");

        var profiles = JsonSerializer.Deserialize(await alice.RunOkAsync("profiles", "--json"), CliJson.Wire.ProfileList)!.Profiles;
        Assert.Equal([("default", alice.Number, true), ("work", bob.Number, false)], profiles.Select(p => (p.Name, p.Number ?? 0, p.Current)));

        // Logging in as Bob in the default profile replaces Alice there, and says how to keep both.
        var replaced = await alice.RunAsync("login", bob.N, "--password", CliUser.Password);
        Assert.Equal(0, replaced.Exit);
        Assert.Contains($"This replaces the login of {alice.N}", replaced.Err, StringComparison.Ordinal);
        Assert.Contains("--profile NAME", replaced.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_SayWhatToDoNext()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var stranger = await CliUser.CreateAsync(Server, "Stranger");

        using var newcomer = new CliUser(Server);
        var noPassword = await newcomer.RunAsync(["register", "新人"], input: "");
        Assert.Equal(2, noPassword.Exit);
        Assert.Contains("--password", noPassword.Err, StringComparison.Ordinal);
        Assert.Contains("PENGUIN_PASSWORD", noPassword.Err, StringComparison.Ordinal);

        var add = await alice.RunAsync("add", "999999999");
        Assert.Equal(1, add.Exit);
        Assert.Contains("There is no account 999999999", add.Err, StringComparison.Ordinal);

        var send = await alice.RunAsync("send", stranger.N, "你好");
        Assert.Equal(1, send.Exit);
        Assert.Contains($"penguin add {stranger.N}", send.Err, StringComparison.Ordinal);
        var chat = await alice.RunAsync(["chat", stranger.N, "--lang", "zh"], input: "在吗\n");
        Assert.Equal(1, chat.Exit);
        Assert.Contains($"penguin add {stranger.N}", chat.Err, StringComparison.Ordinal);

        await alice.RunOkAsync("logout");
        var whoami = await alice.RunAsync("whoami");
        Assert.Equal(1, whoami.Exit);
        Assert.Contains($"Not logged in to {new Uri(Server).GetLeftPart(UriPartial.Authority)}", whoami.Err, StringComparison.Ordinal);
        Assert.Contains("penguin login <number>", whoami.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_IsRemembered_AppliedToRunningAndLaterCommands()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        using var bobClient = await bob.LogInClientAsync();
        async Task<PresenceStatus> AliceSeenByBob() => (await bobClient.GetFriendsAsync()).Friends.Single().Presence.Status;

        using var stop = new CancellationTokenSource();
        var watch = alice.RunAsync(["friends", "--watch"], input: null, output: new LockedWriter(), ct: stop.Token);
        await Eventually.TrueAsync(async () => await AliceSeenByBob() == PresenceStatus.Online);

        // 'status away' (no --wait) changes the running watch's status and says how the status lasts.
        var set = await alice.RunOkAsync("status", "away");
        Assert.Contains("saved", set, StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => await AliceSeenByBob() == PresenceStatus.Away);

        // A chat started later connects as away too: Alice does not turn online.
        var screen = new LockedWriter();
        using var stdin = new PipeInput();
        var chat = alice.RunAsync(["chat", bob.N], input: null, output: screen, stdin: stdin);
        await screen.WaitForTextAsync("(no messages yet)");
        Assert.Equal(PresenceStatus.Away, await AliceSeenByBob());

        await alice.RunOkAsync("status", "online");
        await Eventually.TrueAsync(async () => await AliceSeenByBob() == PresenceStatus.Online);
        stdin.End();
        Assert.Equal(0, (await chat.WaitAsync(TimeSpan.FromSeconds(20))).Exit);
        await stop.CancelAsync();
        Assert.Equal(0, (await watch.WaitAsync(TimeSpan.FromSeconds(10))).Exit);
        await Eventually.TrueAsync(async () => await AliceSeenByBob() == PresenceStatus.Offline);
    }

    [Fact]
    public async Task Block_AFriend_AsksFirst_ThenSaysTheFriendshipEnded()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);

        var asked = await alice.RunAsync("block", bob.N);
        Assert.Equal(1, asked.Exit);
        Assert.Contains("--yes", asked.Err, StringComparison.Ordinal);
        Assert.Contains("unblocking will not restore it", asked.Err, StringComparison.Ordinal);
        Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!.Friends);
        Assert.Empty(JsonSerializer.Deserialize(await alice.RunOkAsync("blocks", "--json"), PenguinJson.Wire.BlockList)!.Blocked);

        Assert.Contains("no longer friends", await alice.RunOkAsync("block", bob.N, "--yes"), StringComparison.Ordinal);
        Assert.Empty(JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!.Friends);
        Assert.Contains($"penguin add {bob.N}", await alice.RunOkAsync("unblock", bob.N), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_MarksWhatItShowsRead_SoTheSenderSeesRead()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        await bob.RunOkAsync("send", alice.N, "one");
        await bob.RunOkAsync("send", alice.N, "two");
        Assert.Contains("Me: two  ✓ sent", await bob.RunOkAsync("history", alice.N), StringComparison.Ordinal);

        await alice.RunOkAsync("history", bob.N, "--keep-unread");
        Assert.Equal(2, Unread(await alice.RunOkAsync("conversations", "--json")));

        Assert.Contains("(marked read up to #2)", await alice.RunOkAsync("history", bob.N), StringComparison.Ordinal);
        Assert.Equal(0, Unread(await alice.RunOkAsync("conversations", "--json")));
        Assert.Contains("Me: two  ✓✓ read", await bob.RunOkAsync("history", alice.N), StringComparison.Ordinal);

        static long Unread(string json) => Assert.Single(JsonSerializer.Deserialize(json, CliJson.Wire.Inbox)!.Conversations).Conversation.Unread;
    }

    [Fact]
    public async Task Chat_SlashCommandsAreNotTyping_TextIs()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        using var bobClient = await bob.LogInClientAsync();
        var bobLive = await bobClient.ConnectAsync();

        // A slash command typed at the terminal: no typing indicator reaches Bob.
        using (var keys = new KeyInput())
        {
            var screen = new LockedWriter();
            var chat = alice.RunAsync(["chat", bob.N], input: null, output: screen, keys: keys);
            await screen.WaitForTextAsync("(no messages yet)");
            keys.Type("/help\n");
            await screen.WaitForTextAsync("Commands:");
            keys.Type("\x04");
            Assert.Equal(0, (await chat.WaitAsync(TimeSpan.FromSeconds(20))).Exit);
        }
        // Everything Alice's chat sent was relayed before this message, which comes after it.
        await alice.RunOkAsync("send", bob.N, "after");
        await bobLive.WaitForAsync<MessageReceived>(m => m.Message.Text == "after");
        Assert.DoesNotContain(bobLive.TakeEvents(), e => e is TypingChanged);

        // Text typed at the terminal: Bob sees Alice typing from the first key.
        using (var keys = new KeyInput())
        {
            var screen = new LockedWriter();
            var chat = alice.RunAsync(["chat", bob.N], input: null, output: screen, keys: keys);
            await screen.WaitForTextAsync("after");
            keys.Type("h");
            Assert.True((await bobLive.WaitForAsync<TypingChanged>()).Active);
            keys.Type("i\n");
            await bobLive.WaitForAsync<MessageReceived>(m => m.Message.Text == "hi");
            keys.Type("\x04");
            Assert.Equal(0, (await chat.WaitAsync(TimeSpan.FromSeconds(20))).Exit);
        }
        await bobLive.CloseAsync();
    }

    [Fact]
    public async Task Requests_ChineseNamesKeepTheColumnsAligned()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var chinese = await CliUser.CreateAsync(Server, "小红小红");
        using var latin = await CliUser.CreateAsync(Server, "Bob");
        await chinese.RunOkAsync("add", alice.N);
        await latin.RunOkAsync("add", alice.N);

        foreach (var lang in new[] { "en", "zh" })
        {
            var state = lang == "en" ? "pending" : "待处理";
            var rows = (await alice.RunOkAsync("requests", "--lang", lang)).Split('\n').Where(l => l.StartsWith("  #", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, rows.Count);
            var columns = rows.Select(r => (State: Words.Width(r[..r.IndexOf(state, StringComparison.Ordinal)]), Time: Words.Width(r[..r.IndexOf(" 20", StringComparison.Ordinal)]))).ToList();
            Assert.Equal(columns[0], columns[1]);
        }
        Assert.Equal(6, Words.Width("小红ab"));
        Assert.Equal(2, Words.Width("🐧"));
    }

}
