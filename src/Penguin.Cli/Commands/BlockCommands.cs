using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>The block list: blocked people cannot add or message you.</summary>
public static class BlockCommands
{
    private const string Section = "Blocking / 黑名单";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "block", "<number>", "Block someone", "将用户加入黑名单", inv => Show(inv, c => c.BlockAsync(inv.Number(0), inv.Cancel))),
        new(Section, "unblock", "<number>", "Unblock someone", "将用户移出黑名单", inv => Show(inv, c => c.UnblockAsync(inv.Number(0), inv.Cancel))),
        new(Section, "blocks", "", "List blocked accounts", "列出黑名单", inv => Show(inv, c => c.GetBlockedAsync(inv.Cancel))),
    ];

    private static async Task<int> Show(Invocation inv, Func<Client.PenguinClient, Task<long[]>> action)
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
