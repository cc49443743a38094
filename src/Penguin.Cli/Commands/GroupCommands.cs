using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>Buddy groups: list, add, rename, delete, reorder. Every change prints the groups as they now are.</summary>
public static class GroupCommands
{
    private const string Section = "Buddy groups / 分组";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "groups", "", "List your buddy groups", "列出好友分组", inv => Show(inv, c => c.GetGroupsAsync(inv.Cancel))),
        new(Section, "groups add", "<name>", "Create a buddy group", "新建分组", inv => Show(inv, c => c.CreateGroupAsync(inv.Arg(0), inv.Cancel))),
        new(Section, "groups rename", "<id> <name>", "Rename a buddy group", "重命名分组", inv => Show(inv, c => c.RenameGroupAsync(inv.Number(0, "id"), inv.Arg(1), inv.Cancel))),
        new(Section, "groups delete", "<id>", "Delete a buddy group (its friends move to the default group)", "删除分组（其中好友移到默认分组）",
            inv => Show(inv, c => c.DeleteGroupAsync(inv.Number(0, "id"), inv.Cancel))),
        new(Section, "groups order", "<id> <id>...", "Put the buddy groups in this order", "按给定顺序排列分组",
            inv => Show(inv, c => c.ReorderGroupsAsync([.. inv.Args.Select((_, i) => inv.Number(i, "id"))], inv.Cancel))),
    ];

    private static async Task<int> Show(Invocation inv, Func<Client.PenguinClient, Task<BuddyGroup[]>> action)
    {
        using var client = inv.Client();
        var groups = await action(client);
        inv.Out.Result(new BuddyGroupList(groups), Json.BuddyGroupList, list =>
        {
            foreach (var g in list.Groups.OrderBy(g => g.Position))
                inv.Out.Line($"{g.Id,-6} {g.Name}{(g.IsDefault ? inv.Out.T("  (default)", "  （默认）") : "")}");
        });
        return 0;
    }
}
