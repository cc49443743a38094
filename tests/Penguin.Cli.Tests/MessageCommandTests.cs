using System.Globalization;
using System.Text.Json;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>send, history, conversations, search-messages and the live chat, against the real server.</summary>
public sealed class MessageCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    [Fact]
    public async Task Send_ThenHistory_ShowsTheMessageToBothSides()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);

        Assert.Contains("Sent #1", await alice.RunOkAsync("send", bob.N, "你好，Bob"), StringComparison.Ordinal);
        var second = JsonSerializer.Deserialize(await alice.RunOkAsync("send", bob.N, "second", "--json"), CliJson.Wire.Message)!;
        Assert.Equal((alice.Number, bob.Number, 2L, "second"), (second.From, second.To, second.Seq, second.Text));

        Assert.Contains("Me: second  ✓ sent", await alice.RunOkAsync("history", bob.N), StringComparison.Ordinal);
        var bobsView = await bob.RunOkAsync("history", alice.N);
        Assert.Contains($"#1 ", bobsView, StringComparison.Ordinal);
        Assert.Contains($"{alice.Nickname}: 你好，Bob", bobsView, StringComparison.Ordinal);
        // What Bob was shown is read (and so delivered) for Alice.
        Assert.Contains("Me: second  ✓✓ read", await alice.RunOkAsync("history", bob.N), StringComparison.Ordinal);

        var page = JsonSerializer.Deserialize(await alice.RunOkAsync("history", bob.N, "--before", "2", "--json"), PenguinJson.Wire.MessagePage)!;
        Assert.Equal(["你好，Bob"], page.Messages.Select(m => m.Text));
        Assert.False(page.More);
        var newest = JsonSerializer.Deserialize(await alice.RunOkAsync("history", bob.N, "--limit", "1", "--json"), PenguinJson.Wire.MessagePage)!;
        Assert.Equal((2L, true), (Assert.Single(newest.Messages).Seq, newest.More));
    }

    [Fact]
    public async Task Conversations_ShowUnread_UntilChatOpensTheConversation()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        await alice.RunOkAsync("send", bob.N, "one");
        await alice.RunOkAsync("send", bob.N, "two 二");

        var inbox = JsonSerializer.Deserialize(await bob.RunOkAsync("conversations", "--json"), CliJson.Wire.Inbox)!;
        var entry = Assert.Single(inbox.Conversations);
        Assert.Equal((alice.Nickname, alice.Number, 2L, "two 二"), (entry.Nickname, entry.Conversation.Peer, entry.Conversation.Unread, entry.Conversation.Last?.Text));
        var text = await bob.RunOkAsync("inbox", "--lang", "zh");
        Assert.Contains($"{alice.Nickname} ({alice.N})  [2 条未读]", text, StringComparison.Ordinal);
        Assert.Contains($"{alice.Nickname}: two 二", text, StringComparison.Ordinal);

        var chat = await bob.RunAsync(["chat", alice.N], input: "");
        Assert.Equal(0, chat.Exit);
        Assert.Contains($"#1 ", chat.Out, StringComparison.Ordinal);
        Assert.Contains($"{alice.Nickname}: two 二", chat.Out, StringComparison.Ordinal);

        var after = JsonSerializer.Deserialize(await bob.RunOkAsync("conversations", "--json"), CliJson.Wire.Inbox)!;
        Assert.Equal(0, Assert.Single(after.Conversations).Conversation.Unread);
        Assert.DoesNotContain("unread", await bob.RunOkAsync("conversations"), StringComparison.Ordinal);
        // Alice sees both read.
        Assert.Contains("Me: two 二  ✓✓ read", await alice.RunOkAsync("history", bob.N), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_FromAPipe_SendsEveryLineOnce_ShowsThePeerLive_AndTheStateChanges()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        await CliUser.BefriendAsync(alice, bob);
        await CliUser.BefriendAsync(alice, carol);
        using var bobClient = await bob.LogInClientAsync();
        using var carolClient = await carol.LogInClientAsync();
        var bobLive = await bobClient.ConnectAsync();
        var carolLive = await carolClient.ConnectAsync();
        var screen = new LockedWriter();
        using var stdin = new PipeInput();
        var chat = alice.RunAsync(["chat", bob.N], input: null, output: screen, stdin: stdin);
        try
        {
            await screen.WaitForTextAsync("(no messages yet)");
            string[] lines = ["第一条 🐧", "second line", "三"];
            foreach (var line in lines) stdin.WriteLine(line);

            // Bob's device receives and auto-acknowledges them: delivered.
            foreach (var line in lines) Assert.Equal(line, (await bobLive.WaitForAsync<MessageReceived>(m => m.Message.From == alice.Number)).Message.Text);
            await screen.WaitForTextAsync("#3 ✓✓ delivered]");

            await bobLive.MarkReadAsync(alice.Number, 3);
            await screen.WaitForTextAsync("#3 ✓✓ read]");

            await bobLive.SetTypingAsync(alice.Number, true);
            await screen.WaitForTextAsync($"({bob.Nickname} is typing…)");
            await bobLive.SendTextAsync(alice.Number, "收到 Alice");
            await screen.WaitForTextAsync($"#4 ");
            await screen.WaitForTextAsync($"{bob.Nickname}: 收到 Alice");
            // The chat is open: Bob's message is read at once.
            await bobLive.WaitForAsync<MessageReceipt>(r => r.ReadSeq == 4);

            // A message from elsewhere is a one-line notice with the unread count.
            await carolLive.SendTextAsync(alice.Number, "carol here");
            await screen.WaitForTextAsync($"[new message from {carol.Nickname} ({carol.N}): 1 unread");

            stdin.WriteLine("/recall #1");
            await bobLive.WaitForAsync<MessageRecalled>();
            await screen.WaitForTextAsync("[You recalled #1]");
        }
        finally
        {
            stdin.End();
        }
        var result = await chat.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.Exit == 0, result.Err + screen);

        var history = (await bobClient.GetHistoryAsync(alice.Number)).Messages;
        Assert.Equal([null, "second line", "三", "收到 Alice"], history.Select(m => m.Text));
        Assert.True(history[0].Recalled);
        var inbox = JsonSerializer.Deserialize(await alice.RunOkAsync("conversations", "--json"), CliJson.Wire.Inbox)!;
        Assert.Equal(1, Assert.Single(inbox.Conversations, c => c.Conversation.Peer == carol.Number).Conversation.Unread);
        await bobLive.CloseAsync();
        await carolLive.CloseAsync();
    }

    [Fact]
    public async Task Chat_AfterLosingItsConnection_ReconnectsAndMissesNothing()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        using var bobClient = await bob.LogInClientAsync();
        var bobLive = await bobClient.ConnectAsync();
        var screen = new LockedWriter();
        using var stdin = new PipeInput();
        var chat = alice.RunAsync(["chat", bob.N], input: null, output: screen, stdin: stdin);
        try
        {
            await screen.WaitForTextAsync("(no messages yet)");
            // Another connection of the same device session takes it over: the chat's connection is closed.
            var config = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(alice.Home, "config.json")), CliJson.Wire.CliConfig)!;
            using (var thief = new PenguinClient(new Uri(Server)) { Token = config.Token })
            {
                var taken = await thief.ConnectAsync();
                await screen.WaitForTextAsync("reconnecting");
                await bobLive.SendTextAsync(alice.Number, "while you were away");
                stdin.WriteLine("sent while offline");
                await taken.CloseAsync();
            }
            await screen.WaitForTextAsync("Reconnected.");
            await screen.WaitForTextAsync($"{bob.Nickname}: while you were away");
            Assert.Equal("sent while offline", (await bobLive.WaitForAsync<MessageReceived>(m => m.Message.From == alice.Number)).Message.Text);
        }
        finally
        {
            stdin.End();
        }
        Assert.Equal(0, (await chat.WaitAsync(TimeSpan.FromSeconds(20))).Exit);
        var history = (await bobClient.GetHistoryAsync(alice.Number)).Messages;
        Assert.Equal(["while you were away", "sent while offline"], history.Select(m => m.Text));
        await bobLive.CloseAsync();
    }

    [Fact]
    public async Task Chat_WithAStrangerWhoRefusesMessages_EndsWithTheRefusal()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var stranger = await CliUser.CreateAsync(Server, "Stranger");

        var chat = await alice.RunAsync(["chat", stranger.N, "--lang", "zh"], input: "在吗？\nanyone?\n");
        Assert.Equal(1, chat.Exit);
        Assert.Contains(Errors.MessageRefused.MessageZh, chat.Err, StringComparison.Ordinal);
        var send = await alice.RunAsync("send", stranger.N, "hello");
        Assert.Equal(1, send.Exit);
        Assert.Contains(Errors.MessageRefused.Message, send.Err, StringComparison.Ordinal);
        Assert.Empty(JsonSerializer.Deserialize(await stranger.RunOkAsync("conversations", "--json"), CliJson.Wire.Inbox)!.Conversations);

        // Once they accept messages from strangers, the same send goes through (a temporary session).
        await stranger.RunOkAsync("settings", "set", "--stranger-messages", "true");
        await stranger.RunOkAsync("settings", "set", "--show-region", "false"); // must not reset the first setting
        Assert.Contains("Sent #1", await alice.RunOkAsync("send", stranger.N, "hello"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_WithSomeoneWhoDoesNotExist_IsNotFound()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        var chat = await alice.RunAsync(["chat", "999999999"], input: "hi\n");
        Assert.Equal(1, chat.Exit);
        Assert.Contains("error:", chat.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hi", chat.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchMessages_FindsAChineseSubstring_AndPeopleSearchStaysSeparate()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        var tag = Guid.NewGuid().ToString("N")[..8];
        await alice.RunOkAsync("send", bob.N, $"今天天气不错 {tag}");
        await alice.RunOkAsync("send", bob.N, "明天见");

        var found = await bob.RunOkAsync("search-messages", "天气不错");
        Assert.Contains($"{alice.Nickname}: 今天天气不错 {tag}", found, StringComparison.Ordinal);
        Assert.DoesNotContain("明天见", found, StringComparison.Ordinal);
        var page = JsonSerializer.Deserialize(await bob.RunOkAsync("grep", tag, "--json"), PenguinJson.Wire.MessagePage)!;
        Assert.Equal(alice.Number, Assert.Single(page.Messages).From);
        Assert.Contains("No messages found", await bob.RunOkAsync("search-messages", "没有这句话"), StringComparison.Ordinal);
        Assert.Contains(alice.Nickname, await bob.RunOkAsync("search", alice.N), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_Json_PrintsTheHistoryAndEveryReplyAsParseableLines()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        await bob.RunOkAsync("send", alice.N, "早上好");

        var chat = await alice.RunAsync(["chat", bob.N, "--json"], input: "hi\nhi\n");
        Assert.Equal(0, chat.Exit);
        var lines = chat.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var history = JsonSerializer.Deserialize(lines[0], PenguinJson.Wire.MessagePage)!;
        Assert.Equal("早上好", Assert.Single(history.Messages).Text);
        var sent = lines.Skip(1).Select(l => JsonSerializer.Deserialize(l, PenguinJson.Wire.ServerFrame)).OfType<MessageAccepted>().ToList();
        Assert.Equal([2L, 3L], sent.Select(s => s.Message.Seq)); // the same text twice is two messages
    }

}
