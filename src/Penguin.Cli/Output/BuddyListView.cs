using Penguin.Protocol;

namespace Penguin.Cli.Output;

/// <summary>The buddy list as QQ shows it: groups in order, online friends first, remark before nickname.</summary>
public static class BuddyListView
{
    public static void Write(Printer p, BuddyList list)
    {
        foreach (var group in list.Groups.OrderBy(g => g.Position))
        {
            var friends = list.Friends.Where(f => f.GroupId == group.Id)
                .OrderByDescending(f => f.Presence.Status)
                .ThenBy(f => f.Remark ?? f.Profile.Nickname, StringComparer.CurrentCulture)
                .ToList();
            var online = friends.Count(f => f.Presence.Status != PresenceStatus.Offline);
            p.Line($"▾ {group.Name} ({online}/{friends.Count})  #{group.Id}");
            foreach (var friend in friends) p.Line("  " + Row(p, friend));
        }
        if (list.Friends.Length == 0) p.Line("  No friends yet: 'penguin search' and 'penguin add' find some.", "  还没有好友：用 penguin search 和 penguin add 添加。");
    }

    public static string Row(Printer p, Friend friend)
    {
        var presence = friend.Presence;
        var name = friend.Remark is { Length: > 0 } remark ? $"{remark} [{friend.Profile.Nickname}]" : friend.Profile.Nickname;
        var devices = presence.Devices.Length > 0 ? $" ({string.Join(", ", presence.Devices.Distinct().Select(p.Device))})" : "";
        var signature = string.IsNullOrEmpty(friend.Profile.Signature) ? "" : $"  “{friend.Profile.Signature}”";
        return $"{Words.StatusIcon(presence.Status)} {name} {friend.Profile.Number}  {p.Status(presence.Status)}{devices}{signature}";
    }
}
