using System.Globalization;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>QQ groups (群): create, join, invite, members, announce, mute, kick (the live chat is 'chat g:&lt;group&gt;').</summary>
public static class ChatGroupCommands
{
    private const string Section = "Groups / 群";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    private static readonly IReadOnlyDictionary<string, GroupJoinPolicy> Policies = new Dictionary<string, GroupJoinPolicy>
    {
        ["open"] = GroupJoinPolicy.Open, ["approval"] = GroupJoinPolicy.Approval, ["invite"] = GroupJoinPolicy.Invite,
    };

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "group list", "", "List your groups with unread counts", "列出你的群和未读数", ListAsync),
        new(Section, "group create", "<name>", "Create a group; you are its owner", "创建一个群，你是群主", CreateAsync,
            new OptionSpec("intro", "TEXT", "The group's introduction", "群介绍"),
            new OptionSpec("policy", "open|approval|invite", "Who may join (default: approval)", "加群方式（默认 approval：需管理员同意）")),
        new(Section, "group join", "<groupId>", "Join a group, or ask to (groups that need approval)", "加入群，或申请加入（需审核的群）", JoinAsync,
            new OptionSpec("message", "TEXT", "A note for the admins", "给管理员的附言")),
        new(Section, "group invite", "<groupId> <number>", "Invite a friend into a group", "邀请好友入群", InviteAsync),
        new(Section, "group members", "<groupId>", "List the members with their roles", "列出群成员及其身份", MembersAsync),
        new(Section, "group announce", "<groupId> <text>", "Set the pinned announcement (群公告; owner and admins)", "设置群公告（群主和管理员）", AnnounceAsync),
        new(Section, "group mute", "<groupId> <number> <minutes>", "Mute a member for some minutes; 0 lifts the mute (owner and admins)", "禁言成员若干分钟，0 为解除（群主和管理员）", MuteAsync),
        new(Section, "group kick", "<groupId> <number>", "Remove a member from the group (owner and admins)", "将成员移出群（群主和管理员）", KickAsync),
    ];

    private static async Task<int> ListAsync(Invocation inv)
    {
        using var client = inv.Client();
        var groups = await client.GetMyGroupsAsync(inv.Cancel);
        inv.Out.Result(new GroupList(groups), Json.GroupList, list =>
        {
            foreach (var g in list.Groups)
                inv.Out.Line($"{g.Group.Id}  {g.Group.Name}  {RoleText(inv, g.Role)}  {inv.Out.T($"{g.Group.MemberCount} members, {g.Unread} unread", $"{g.Group.MemberCount} 人，{g.Unread} 条未读")}");
            if (list.Groups.Length == 0) inv.Out.Line("(no groups yet; 'penguin group create <name>' or 'penguin group join <groupId>')", "（还没有群；可用“penguin group create <群名>”或“penguin group join <群号>”）");
        });
        return Program.Ok;
    }

    private static async Task<int> CreateAsync(Invocation inv)
    {
        var policy = inv.Option("policy") is { } p ? inv.Choice(p, "--policy", Policies) : (GroupJoinPolicy?)null;
        if (string.IsNullOrWhiteSpace(inv.Arg(0))) throw inv.Usage("The group's name is empty.", "群名称为空。");
        using var client = inv.Client();
        var created = await client.CreateGroupAsync(new CreateGroupRequest(inv.Arg(0), inv.Option("intro"), JoinPolicy: policy), inv.Cancel);
        inv.Out.Result(created, Json.GroupSummary, g =>
            inv.Out.Line($"Created group {g.Group.Id} “{g.Group.Name}” ({PolicyText(inv, g.Group.JoinPolicy)}); you are its owner.",
                $"已创建群 {g.Group.Id}“{g.Group.Name}”（{PolicyText(inv, g.Group.JoinPolicy)}），你是群主。"));
        return Program.Ok;
    }

    private static async Task<int> JoinAsync(Invocation inv)
    {
        var id = inv.Number(0, "groupId");
        using var client = inv.Client();
        var outcome = await client.JoinGroupAsync(id, inv.Option("message"), inv.Cancel);
        inv.Out.Result(outcome, Json.GroupJoinOutcome, o =>
        {
            if (o.State == GroupJoinState.Joined) inv.Out.Line($"Joined group {id} “{o.Group!.Group.Name}”.", $"已加入群 {id}“{o.Group!.Group.Name}”。");
            else inv.Out.Line($"Asked to join group {id}; an admin will answer.", $"已申请加入群 {id}，等待管理员审核。");
        });
        return Program.Ok;
    }

    private static async Task<int> InviteAsync(Invocation inv)
    {
        var (id, number) = (inv.Number(0, "groupId"), inv.Number(1));
        using var client = inv.Client();
        await client.InviteToGroupAsync(id, number, inv.Cancel);
        inv.Out.Done($"Invited {number} into group {id}; they join with 'penguin group join {id}'.", $"已邀请 {number} 加入群 {id}；对方可用“penguin group join {id}”加入。");
        return Program.Ok;
    }

    private static async Task<int> MembersAsync(Invocation inv)
    {
        var id = inv.Number(0, "groupId");
        using var client = inv.Client();
        var members = await client.GetGroupMembersAsync(id, inv.Cancel);
        inv.Out.Result(new GroupMemberList(members), Json.GroupMemberList, list =>
        {
            foreach (var m in list.Members)
            {
                var muted = m.MutedUntil is { } until ? inv.Out.T($"  muted until {until:yyyy-MM-dd HH:mm}", $"  禁言至 {until:yyyy-MM-dd HH:mm}") : "";
                inv.Out.Line($"{m.Number,-8} {RoleText(inv, m.Role),-6} {m.Card ?? ""}{muted}".TrimEnd());
            }
            inv.Out.Line($"{list.Members.Length} members", $"共 {list.Members.Length} 人");
        });
        return Program.Ok;
    }

    private static async Task<int> AnnounceAsync(Invocation inv)
    {
        var id = inv.Number(0, "groupId");
        var text = inv.Arg(1).Replace("\\n", "\n", StringComparison.Ordinal);
        using var client = inv.Client();
        var info = await client.UpdateGroupAsync(id, new UpdateGroupRequest(Announcement: text), inv.Cancel);
        inv.Out.Result(info, Json.GroupInfo, g => inv.Out.Line($"Announcement of group {g.Id} set.", $"群 {g.Id} 的公告已更新。"));
        return Program.Ok;
    }

    private static async Task<int> MuteAsync(Invocation inv)
    {
        var (id, number) = (inv.Number(0, "groupId"), inv.Number(1));
        if (!int.TryParse(inv.Arg(2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > Limits.GroupMuteMaxMinutes)
            throw inv.Usage($"minutes must be a number from 0 (lift the mute) to {Limits.GroupMuteMaxMinutes}, not '{inv.Arg(2)}'.",
                $"分钟数须为 0（解除禁言）到 {Limits.GroupMuteMaxMinutes} 的数字，而不是“{inv.Arg(2)}”。");
        using var client = inv.Client();
        var member = await client.MuteAsync(id, number, minutes, inv.Cancel);
        inv.Out.Result(member, Json.GroupMember, m =>
        {
            if (m.MutedUntil is { } until) inv.Out.Line($"{number} is muted in group {id} until {until:yyyy-MM-dd HH:mm} (UTC).", $"{number} 在群 {id} 中被禁言至 {until:yyyy-MM-dd HH:mm}（UTC）。");
            else inv.Out.Line($"{number} may speak in group {id} again.", $"{number} 在群 {id} 中已解除禁言。");
        });
        return Program.Ok;
    }

    private static async Task<int> KickAsync(Invocation inv)
    {
        var (id, number) = (inv.Number(0, "groupId"), inv.Number(1));
        using var client = inv.Client();
        await client.KickAsync(id, number, inv.Cancel);
        inv.Out.Done($"Removed {number} from group {id}.", $"已将 {number} 移出群 {id}。");
        return Program.Ok;
    }

    internal static string RoleText(Invocation inv, GroupRole role) => role switch
    {
        GroupRole.Owner => inv.Out.T("owner", "群主"),
        GroupRole.Admin => inv.Out.T("admin", "管理员"),
        _ => inv.Out.T("member", "成员"),
    };

    private static string PolicyText(Invocation inv, GroupJoinPolicy policy) => policy switch
    {
        GroupJoinPolicy.Open => inv.Out.T("anyone may join", "任何人可加入"),
        GroupJoinPolicy.Invite => inv.Out.T("by invitation only", "仅限邀请"),
        _ => inv.Out.T("joining needs an admin's approval", "加群需管理员审核"),
    };
}
