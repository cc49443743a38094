using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// The block list: blocked people cannot add or message you. Blocking a friend ends the friendship on the server
/// (for both sides) and unblocking does not bring it back, so <c>block</c> says so first and wants --yes for a friend.
/// </summary>
public static class BlockCommands
{
    private const string Section = "Blocking / 黑名单";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "block", "<number>",
            "Block someone. Blocking a friend ends the friendship (unblocking does not restore it): for a friend, give --yes",
            "将用户加入黑名单。拉黑好友会解除好友关系（移出黑名单也不会恢复）：拉黑好友需加 --yes", BlockAsync,
            new OptionSpec("yes", null, "Block even a friend (the friendship ends)", "即使是好友也拉黑（好友关系解除）")),
        new(Section, "unblock", "<number>", "Unblock someone (a former friendship is not restored: send a new friend request)", "将用户移出黑名单（不会恢复原好友关系，需重新加好友）", UnblockAsync),
        new(Section, "blocks", "", "List blocked accounts", "列出黑名单", inv => Show(inv, c => c.GetBlockedAsync(inv.Cancel))),
    ];

    private static async Task<int> BlockAsync(Invocation inv)
    {
        var number = inv.Number(0);
        using var client = inv.Client();
        var friend = (await client.GetFriendsAsync(inv.Cancel)).Friends.FirstOrDefault(f => f.Profile.Number == number);
        if (friend is not null && !inv.Flag("yes"))
            throw new CliException(Errors.BadRequest.With(
                $"{Words.Person(friend.Profile)} is your friend: blocking ends the friendship, and unblocking will not restore it. Nothing was changed; to block anyway: penguin block {number} --yes",
                $"{Words.Person(friend.Profile)} 是你的好友：拉黑会解除好友关系，移出黑名单也不会恢复。未做任何更改；确定拉黑请用：penguin block {number} --yes"));
        long[] blocked;
        try
        {
            blocked = await client.BlockAsync(number, inv.Cancel);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code)
        {
            throw FriendCommands.NoSuchAccount(inv.Arg(0), e.Error);
        }
        if (inv.Out.IsJson) inv.Out.Json(new BlockList(blocked), Json.BlockList);
        else if (friend is not null)
            inv.Out.Line($"Blocked {Words.Person(friend.Profile)}. You are no longer friends; unblocking will not restore the friendship.",
                $"已拉黑 {Words.Person(friend.Profile)}。你们已不再是好友；移出黑名单也不会恢复好友关系。");
        else inv.Out.Line($"Blocked {number}: they can no longer add or message you.", $"已拉黑 {number}：对方无法再加你或给你发消息。");
        return 0;
    }

    private static async Task<int> UnblockAsync(Invocation inv)
    {
        var number = inv.Number(0);
        using var client = inv.Client();
        var blocked = await client.UnblockAsync(number, inv.Cancel);
        inv.Out.Result(new BlockList(blocked), Json.BlockList, _ =>
            inv.Out.Line($"Unblocked {number}. If you were friends, that is not restored: send a new request with 'penguin add {number}'.",
                $"已将 {number} 移出黑名单。原好友关系不会恢复：如需重新成为好友，请用“penguin add {number}”发送申请。"));
        return 0;
    }

    private static async Task<int> Show(Invocation inv, Func<PenguinClient, Task<long[]>> action)
    {
        using var client = inv.Client();
        var blocked = await action(client);
        inv.Out.Result(new BlockList(blocked), Json.BlockList, list =>
        {
            foreach (var number in list.Blocked) inv.Out.Line(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (list.Blocked.Length == 0) inv.Out.Line("Nobody is blocked.", "黑名单为空。");
        });
        return 0;
    }
}
