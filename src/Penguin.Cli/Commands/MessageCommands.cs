using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>One-to-one messages outside the live chat: one-shot send, history pages, the conversation list, search.</summary>
public static class MessageCommands
{
    private const string Section = "Messages / 消息";
    private static readonly PenguinJson Json = PenguinJson.Wire;
    private static readonly OptionSpec LimitOption = new("limit", "N", $"How many messages (1–{Limits.HistoryPageMax})", $"消息条数（1–{Limits.HistoryPageMax}）");

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "chat", "<number|g:group>",
            "Chat with someone, or in a group (g:200001; @number or @card mentions, @all for admins): shows the recent messages, sends what you type, shows replies live. Slash commands: /recall <seq|id>, /delete <seq|id>, /history [n], /quit. Lines from a pipe are sent one by one",
            "与某人聊天，或在群里聊天（g:200001；@号码 或 @群名片 提及成员，@all 仅限管理员）：显示最近消息，发送输入的内容，实时显示回复。聊天内命令：/recall <序号|编号>、/delete <序号|编号>、/history [n]、/quit。也可从管道逐行发送",
            inv => GroupChatCommand.IsGroup(inv.Arg(0)) ? GroupChatCommand.RunAsync(inv) : ChatCommand.RunAsync(inv)),
        new(Section, "send", "<number> <text>", "Send one message and print its number in the conversation", "发送一条消息并显示其序号", SendAsync),
        new(Section, "history", "<number>", "Show the messages of a conversation, newest page first, and mark what is shown read; --before pages back", "查看聊天记录并将显示的消息标为已读；用 --before 向前翻页", HistoryAsync,
            new("before", "SEQ", "Only messages before this #seq", "只显示此序号之前的消息"), LimitOption,
            new("keep-unread", null, "Do not mark the messages read", "不标记为已读")),
        new(Section, "conversations", "", "List conversations with unread counts and the last message", "列出会话、未读数和最后一条消息", ConversationsAsync),
        new(Section, "inbox", "", "Same as 'conversations'", "同 conversations", ConversationsAsync),
        new(Section, "search-messages", "<text>", "Search your messages (Chinese works; 3+ characters search fastest). People: 'search'", "搜索聊天记录（支持中文）；找人请用 search", SearchAsync, LimitOption),
        new(Section, "grep", "<text>", "Same as 'search-messages'", "同 search-messages", SearchAsync, LimitOption),
    ];

    private static async Task<int> SendAsync(Invocation inv)
    {
        var peer = inv.Number(0);
        if (string.IsNullOrWhiteSpace(inv.Arg(1)))
            throw inv.Usage("The message is empty; nothing was sent.", "消息为空，未发送。");
        using var lease = inv.TakeSession();
        // Invisible: a connection this short must not flash the user online and offline to their friends.
        var connection = await lease.Client.ConnectAsync(status: PresenceStatus.Invisible, ct: inv.Cancel);
        MessageAccepted accepted;
        try
        {
            accepted = await connection.SendTextAsync(peer, inv.Arg(1), ct: inv.Cancel);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.MessageRefused.Code)
        {
            throw Refused(peer, e.Error);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code)
        {
            throw FriendCommands.NoSuchAccount(inv.Arg(0), e.Error);
        }
        finally
        {
            await connection.CloseAsync(); // also disposes
        }
        inv.Out.Result(accepted.Message, CliJson.Wire.Message, m =>
            inv.Out.Line($"Sent #{m.Seq} (id {m.Id}).", $"已发送 #{m.Seq}（编号 {m.Id}）。"));
        return 0;
    }

    private static async Task<int> HistoryAsync(Invocation inv)
    {
        var peer = inv.Number(0);
        var (before, limit) = (inv.LongOption("before"), Limit(inv));
        using var client = inv.Client();
        var page = await client.GetHistoryAsync(peer, before, limit, inv.Cancel);
        var conversation = (await client.GetConversationsAsync(inv.Cancel)).FirstOrDefault(c => c.Peer == peer);
        // What is shown has been read (which makes it delivered too): tell the server, as a chat would.
        var newest = page.Messages.Where(m => m.From == peer).Select(m => m.Seq).DefaultIfEmpty(0).Max();
        var marked = !inv.Flag("keep-unread") && conversation is not null && newest > conversation.ReadSeq
            && await MarkReadAsync(inv, peer, newest);
        if (inv.Out.IsJson)
        {
            inv.Out.Json(page, Json.MessagePage);
            return 0;
        }
        var names = await PeerNames.LoadAsync(client, inv.Out, Me(inv), inv.Cancel);
        foreach (var m in page.Messages)
        {
            MessageState? state = m.From == names.Me && conversation is not null
                ? MessageView.StateOf(m.Seq, conversation.PeerDeliveredSeq, conversation.PeerReadSeq) : null;
            inv.Out.Line(MessageView.Line(inv.Out, m, await names.NameAsync(m.From, inv.Cancel), state));
        }
        if (page.Messages.Length == 0) inv.Out.Line("No messages.", "没有消息。");
        else if (page.More)
            inv.Out.Line($"(older: penguin history {peer} --before {page.Messages[0].Seq})", $"（更早的消息：penguin history {peer} --before {page.Messages[0].Seq}）");
        if (marked) inv.Out.Line($"(marked read up to #{newest})", $"（已标记为已读，至 #{newest}）");
        return 0;
    }

    /// <summary>Marks the conversation read up to <paramref name="seq"/> on a short, invisible connection; false if it could not.</summary>
    private static async Task<bool> MarkReadAsync(Invocation inv, long peer, long seq)
    {
        using var lease = SessionLease.TryTake(inv.Store, inv.Config, inv.Server);
        if (lease is null)
        {
            if (!inv.Out.IsJson)
                inv.Host.Error.WriteLine(inv.Out.T("(not marked read: every device session of this login is in use)", "（未标记已读：本登录的设备会话都在使用中）"));
            return false;
        }
        var connection = await lease.Client.ConnectAsync(status: PresenceStatus.Invisible, ct: inv.Cancel);
        try
        {
            await connection.MarkReadAsync(peer, seq, inv.Cancel);
        }
        finally
        {
            await connection.CloseAsync(); // also disposes
        }
        return true;
    }

    private static async Task<int> ConversationsAsync(Invocation inv)
    {
        using var client = inv.Client();
        var conversations = await client.GetConversationsAsync(inv.Cancel);
        var names = await PeerNames.LoadAsync(client, inv.Out, Me(inv), inv.Cancel);
        var entries = new List<InboxEntry>();
        foreach (var c in conversations)
        {
            var (nickname, remark) = await names.LookUpAsync(c.Peer, inv.Cancel);
            entries.Add(new InboxEntry(nickname, c, remark));
        }
        inv.Out.Result(new Inbox([.. entries]), CliJson.Wire.Inbox, inbox =>
        {
            foreach (var e in inbox.Conversations)
            {
                var c = e.Conversation;
                var who = e.Remark is null ? $"{e.Nickname} ({c.Peer})" : $"{e.Remark} [{e.Nickname}] ({c.Peer})";
                var unread = c.Unread > 0 ? inv.Out.T($"  [{c.Unread} unread]", $"  [{c.Unread} 条未读]") : "";
                inv.Out.Line($"{MessageView.Clock(c.UpdatedAt),-16} {who}{unread}");
                if (c.Last is { } last)
                {
                    var from = last.From == names.Me ? inv.Out.T("Me", "我") : e.Remark ?? e.Nickname;
                    inv.Out.Line($"{"",-16} {from}: {MessageView.Preview(inv.Out, last)}");
                }
            }
            if (inbox.Conversations.Length == 0) inv.Out.Line("No conversations yet: 'penguin chat <number>' starts one.", "还没有会话：用“penguin chat <账号>”开始聊天。");
        });
        return 0;
    }

    private static async Task<int> SearchAsync(Invocation inv)
    {
        var limit = Limit(inv);
        using var client = inv.Client();
        var page = await client.SearchMessagesAsync(inv.Arg(0), limit, inv.Cancel);
        if (inv.Out.IsJson)
        {
            inv.Out.Json(page, Json.MessagePage);
            return 0;
        }
        var names = await PeerNames.LoadAsync(client, inv.Out, Me(inv), inv.Cancel);
        foreach (var m in page.Messages)
        {
            var peer = m.From == names.Me ? m.To : m.From;
            inv.Out.Line($"[{await names.FullNameAsync(peer, inv.Cancel)}] {MessageView.Line(inv.Out, m, await names.NameAsync(m.From, inv.Cancel))}");
        }
        if (page.Messages.Length == 0) inv.Out.Line("No messages found.", "没有找到消息。");
        else if (page.More) inv.Out.Line("(more results: raise --limit)", "（还有更多结果：增大 --limit）");
        return 0;
    }

    /// <summary>A refused message, with the way forward (without revealing whether a block is the reason).</summary>
    public static CliException Refused(long peer, Error error) => new(error.With(
        $"{error.Message} They may take messages from friends only: send a friend request with 'penguin add {peer}'.",
        $"{error.MessageZh} 对方可能只接收好友的消息：请用“penguin add {peer}”发送好友申请。"));

    private static int? Limit(Invocation inv) => inv.LongOption("limit") switch
    {
        null => null,
        >= 1 and <= Limits.HistoryPageMax and var n => (int)n,
        _ => throw inv.Usage($"--limit must be 1 to {Limits.HistoryPageMax}.", $"--limit 须为 1 到 {Limits.HistoryPageMax}。"),
    };

    /// <summary>My number: saved at login (the token and it always go together).</summary>
    internal static long Me(Invocation inv) => inv.Config.Number ?? throw CliException.NotLoggedIn();
}
