using Penguin.Client;
using Penguin.Cli.Runtime;
using Penguin.Cli.Output;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>Finding people, friend requests and the buddy list.</summary>
public static class FriendCommands
{
    private const string Section = "Friends / 好友";
    private static readonly PenguinJson Json = PenguinJson.Wire;
    private static readonly OptionSpec GroupOption = new("group", "ID", "Buddy group to put them in (see 'groups')", "放入的分组（见 groups）");

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "search", "<text>", "Find people by number or nickname (messages: 'search-messages')", "按账号或昵称查找用户（搜索消息请用 search-messages）", SearchAsync),
        new(Section, "add", "<number>", "Send a friend request", "发送好友申请", AddAsync,
            new("message", "TEXT", "Message to send with the request", "验证消息"), GroupOption),
        new(Section, "requests", "", "List incoming and outgoing friend requests", "列出收到和发出的好友申请", RequestsAsync),
        new(Section, "accept", "<requestId>", "Accept a friend request", "同意好友申请", AcceptAsync, GroupOption),
        new(Section, "decline", "<requestId>", "Decline a friend request", "拒绝好友申请", DeclineAsync),
        new(Section, "friends", "", "Show the buddy list with presence", "显示好友列表及在线状态", FriendsAsync,
            new("watch", null, "Stay connected and redraw on every change (Ctrl+C ends)", "保持连接并实时刷新（Ctrl+C 结束）"),
            new("status", "online|away|busy|dnd|invisible", "Set your status first, as 'penguin status' does (remembered)", "先设置自己的状态，同 penguin status（会被保存）")),
        new(Section, "friend remark", "<number> <text>", "Set the remark shown instead of a friend's nickname (\"\" clears)", "设置好友备注（\"\" 清除）", RemarkAsync),
        new(Section, "friend move", "<number> <groupId>", "Move a friend to another buddy group", "将好友移到其他分组", MoveAsync),
        new(Section, "friend remove", "<number>", "Remove a friend", "删除好友", RemoveAsync),
    ];

    private static async Task<int> SearchAsync(Invocation inv)
    {
        if (string.IsNullOrWhiteSpace(inv.Arg(0)))
            throw inv.Usage("Say whom to look for: a number or part of a nickname.", "请给出要查找的账号或昵称的一部分。");
        using var client = inv.Client();
        var users = await client.SearchAsync(inv.Arg(0), inv.Cancel);
        inv.Out.Result(new UserList(users), Json.UserList, list =>
        {
            foreach (var u in list.Users)
                inv.Out.Line($"{u.Number,-10} {u.Nickname}{(string.IsNullOrEmpty(u.Signature) ? "" : $"  “{u.Signature}”")}");
            if (list.Users.Length == 0) inv.Out.Line("Nobody found.", "没有找到用户。");
        });
        return 0;
    }

    private static async Task<int> AddAsync(Invocation inv)
    {
        using var client = inv.Client();
        FriendRequestOutcome outcome;
        try
        {
            outcome = await client.SendFriendRequestAsync(inv.Number(0), inv.Option("message"), inv.LongOption("group"), inv.Cancel);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code)
        {
            throw NoSuchAccount(inv.Arg(0), e.Error);
        }
        inv.Out.Result(outcome, Json.FriendRequestOutcome, o =>
        {
            var who = Words.Person(o.Request.To);
            if (o.State == FriendRequestState.Accepted) inv.Out.Line($"You and {who} are now friends.", $"你和 {who} 已成为好友。");
            else inv.Out.Line($"Friend request #{o.Request.Id} sent to {who}.", $"已向 {who} 发送好友申请（#{o.Request.Id}）。");
        });
        return 0;
    }

    private static async Task<int> RequestsAsync(Invocation inv)
    {
        using var client = inv.Client();
        var requests = await client.GetFriendRequestsAsync(inv.Cancel);
        inv.Out.Result(requests, Json.FriendRequestList, list =>
        {
            inv.Out.Line("Incoming / 收到的申请:");
            foreach (var r in list.Incoming) inv.Out.Line($"  #{r.Id,-6} {Words.Pad(Words.Person(r.From), 30)} {Words.Pad(inv.Out.State(r.State), 9)} {Words.Time(r.CreatedAt)}  {r.Message}");
            if (list.Incoming.Length == 0) inv.Out.Line("  (none)", "  （无）");
            inv.Out.Line("Outgoing / 发出的申请:");
            foreach (var r in list.Outgoing) inv.Out.Line($"  #{r.Id,-6} {Words.Pad(Words.Person(r.To), 30)} {Words.Pad(inv.Out.State(r.State), 9)} {Words.Time(r.CreatedAt)}  {r.Message}");
            if (list.Outgoing.Length == 0) inv.Out.Line("  (none)", "  （无）");
            if (list.Incoming.Any(r => r.State == FriendRequestState.Pending))
                inv.Out.Line("Answer with: penguin accept '#ID' (or decline '#ID').", "处理申请：penguin accept '#编号'（或 decline '#编号'）。");
        });
        return 0;
    }

    private static async Task<int> AcceptAsync(Invocation inv)
    {
        using var client = inv.Client();
        var outcome = await client.AcceptFriendRequestAsync(inv.Number(0, "requestId"), inv.LongOption("group"), inv.Cancel);
        inv.Out.Result(outcome, Json.FriendRequestOutcome, o =>
            inv.Out.Line($"You and {Words.Person(o.Request.From)} are now friends.", $"你和 {Words.Person(o.Request.From)} 已成为好友。"));
        return 0;
    }

    private static async Task<int> DeclineAsync(Invocation inv)
    {
        using var client = inv.Client();
        var outcome = await client.DeclineFriendRequestAsync(inv.Number(0, "requestId"), inv.Cancel);
        inv.Out.Result(outcome, Json.FriendRequestOutcome, o =>
            inv.Out.Line($"Declined the request from {Words.Person(o.Request.From)}.", $"已拒绝 {Words.Person(o.Request.From)} 的好友申请。"));
        return 0;
    }

    private static async Task<int> FriendsAsync(Invocation inv)
    {
        if (inv.Flag("watch")) return await WatchCommand.RunAsync(inv);
        if (inv.Option("status") is not null) throw inv.Usage("--status goes with --watch.", "--status 需与 --watch 一起使用。");
        using var client = inv.Client();
        var list = await client.GetFriendsAsync(inv.Cancel);
        inv.Out.Result(list, Json.BuddyList, l => BuddyListView.Write(inv.Out, l));
        return 0;
    }

    private static async Task<int> RemarkAsync(Invocation inv)
    {
        using var client = inv.Client();
        // The server treats a null remark as "unchanged", so an empty text is what clears it.
        await client.UpdateFriendAsync(inv.Number(0), remark: inv.Arg(1), ct: inv.Cancel);
        inv.Out.Done(inv.Arg(1).Length > 0 ? "Remark set." : "Remark cleared.", inv.Arg(1).Length > 0 ? "备注已设置。" : "备注已清除。");
        return 0;
    }

    private static async Task<int> MoveAsync(Invocation inv)
    {
        using var client = inv.Client();
        await client.UpdateFriendAsync(inv.Number(0), groupId: inv.Number(1, "groupId"), ct: inv.Cancel);
        inv.Out.Done("Friend moved.", "已移动好友。");
        return 0;
    }

    /// <summary>A number nobody has: say so, and how to find people.</summary>
    public static CliException NoSuchAccount(string number, Error error) => new(error.With(
        $"There is no account {number}; 'penguin search <nickname>' finds people.", $"不存在账号 {number}；可用“penguin search <昵称>”查找用户。"));

    private static async Task<int> RemoveAsync(Invocation inv)
    {
        using var client = inv.Client();
        await client.RemoveFriendAsync(inv.Number(0), inv.Cancel);
        inv.Out.Done("Friend removed.", "已删除好友。");
        return 0;
    }
}
