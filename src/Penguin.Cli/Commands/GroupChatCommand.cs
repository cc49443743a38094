using System.Globalization;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// <c>chat g:&lt;group&gt;</c>: the group's recent messages, then a prompt. "@number" or "@card" in a line mentions that
/// member, "@all" (or "@全体成员") everyone (owner and admins). Messages of others arrive live; the end of the input
/// ends the chat once every line is on the server. With --json every message is printed as one JSON line.
/// </summary>
public static partial class GroupChatCommand
{
    public const string Prefix = "g:";
    private const int HistoryShown = 20;

    public static bool IsGroup(string target) => target.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(Invocation inv)
    {
        var text = inv.Arg(0)[Prefix.Length..];
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var groupId))
            throw inv.Usage($"A group is written g:<group number>, like g:200001, not '{inv.Arg(0)}'.", $"群的写法是 g:<群号>，例如 g:200001，而不是“{inv.Arg(0)}”。");
        var me = MessageCommands.Me(inv);
        var ct = inv.Cancel;
        var p = inv.Out;
        using var lease = inv.TakeSession();
        var client = lease.Client;
        var group = await client.GetGroupAsync(groupId, ct);              // not_found ends here
        var members = await client.GetGroupMembersAsync(groupId, ct);     // not_member ends here
        var names = new MemberNames(client, members);
        var failures = 0;

        var connection = await client.ConnectAsync(ct: ct);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            if (!p.IsJson)
                p.Line($"Group “{group.Name}” ({groupId}), {group.MemberCount} members. Enter sends; @number or @card mentions, @all is for admins; /members, /quit.",
                    $"群“{group.Name}”（{groupId}），{group.MemberCount} 人。回车发送；@号码 或 @群名片 提及成员，@all 仅限管理员；/members、/quit。");
            var history = await client.GetGroupHistoryAsync(groupId, limit: HistoryShown, ct: ct);
            var shown = new HashSet<long>();
            foreach (var m in history.Messages) await ShowAsync(m);
            if (history.Messages.Length == 0 && !p.IsJson) p.Line("(no messages yet)", "（还没有消息）");
            if (history.Messages.LastOrDefault() is { } last) await connection.MarkGroupReadAsync(groupId, last.Seq, ct);

            var live = ReceiveAsync(end.Token);
            while (await inv.Host.In.ReadLineAsync(ct) is { } line)
            {
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line is "/quit" or "/exit" or "/q") break;
                if (line == "/members")
                {
                    foreach (var m in members) p.Line($"{m.Number,-8} {ChatGroupCommands.RoleText(inv, m.Role),-6} {m.Card ?? ""}".TrimEnd());
                    continue;
                }
                if (line.StartsWith('/') && !line.StartsWith("//", StringComparison.Ordinal))
                {
                    Fail(Errors.UnknownOp.With($"Unknown command '{line}'; /members and /quit are known here.", $"未知的命令“{line}”；这里可用 /members 和 /quit。"));
                    continue;
                }
                if (line.StartsWith("//", StringComparison.Ordinal)) line = line[1..];
                var (mentions, all) = names.MentionsIn(line, me);
                try
                {
                    var sent = await connection.SendGroupTextAsync(groupId, line, mentions: mentions.Length == 0 ? null : mentions, mentionAll: all, ct: ct);
                    await ShowAsync(sent.Message);
                }
                catch (PenguinException e)
                {
                    Fail(e.Error);
                }
            }
            await end.CancelAsync();
            try { await live; } catch (OperationCanceledException) { }
            return failures > 0 ? Program.Failed : Program.Ok;

            async Task ReceiveAsync(CancellationToken token)
            {
                try
                {
                    await foreach (var frame in connection.ReadEventsAsync(token))
                    {
                        switch (frame)
                        {
                            case GroupMessageReceived { Message: var m } when m.GroupId == groupId:
                                await ShowAsync(m);
                                try { await connection.MarkGroupReadAsync(groupId, m.Seq, token); }
                                catch (Exception e) when (e is PenguinException or WebSocketException or ObjectDisposedException) { }
                                break;
                            case GroupMessageRecalled r when r.GroupId == groupId:
                                if (p.IsJson) p.Json<ServerFrame>(r, PenguinJson.Wire.ServerFrame);
                                else p.Line($"(#{r.MessageSeq} was recalled)", $"（#{r.MessageSeq} 已被撤回）");
                                break;
                            case GroupLeft left when left.GroupId == groupId:
                                p.Line(left.Reason == GroupLeaveReason.Dissolved ? "(the group was dissolved)" : "(you are no longer a member of this group)",
                                    left.Reason == GroupLeaveReason.Dissolved ? "（该群已解散）" : "（你已不是该群成员）");
                                break;
                        }
                    }
                }
                catch (Exception e) when (e is WebSocketException or PenguinException)
                {
                    p.Line("(disconnected)", "（连接已断开）");
                }
            }

            async Task ShowAsync(GroupMessage m)
            {
                lock (shown) if (!shown.Add(m.Id)) return;
                if (p.IsJson) { lock (shown) p.Json(m, PenguinJson.Wire.GroupMessage); return; }
                var who = m.From == me ? p.T("Me", "我") : await names.NameAsync(m.From, ct);
                var body = m.Recalled ? p.T("(recalled)", "（已撤回）") : m.Text;
                var mark = m.From != me && (m.MentionAll || (m.Mentions?.Contains(me) ?? false)) ? p.T("  [mentions you]", "  [有人@我]") : "";
                lock (shown) p.Line($"#{m.Seq} {who}: {body}{mark}");
            }

            void Fail(Error error)
            {
                failures++;
                p.Error(error);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Program.Ok;
        }
        finally
        {
            await end.CancelAsync();
            try { await connection.CloseAsync(); }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { }
        }
    }

    /// <summary>Members' display names (card, else nickname, fetched once) and the mentions a line makes.</summary>
    private sealed partial class MemberNames(PenguinClient client, GroupMember[] members)
    {
        private readonly Dictionary<long, string> _nicknames = [];

        public async Task<string> NameAsync(long number, CancellationToken ct)
        {
            if (members.FirstOrDefault(m => m.Number == number) is { Card: { Length: > 0 } card }) return card;
            if (_nicknames.TryGetValue(number, out var known)) return known;
            try { return _nicknames[number] = (await client.GetUserAsync(number, ct)).Nickname; }
            catch (PenguinException) { return _nicknames[number] = number.ToString(CultureInfo.InvariantCulture); }
        }

        public (long[] Mentions, bool All) MentionsIn(string line, long me)
        {
            var mentioned = new List<long>();
            var all = false;
            foreach (Match match in MentionPattern().Matches(line))
            {
                var word = match.Groups[1].Value;
                if (word is "all" or "全体成员") { all = true; continue; }
                var member = long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    ? members.FirstOrDefault(m => m.Number == number)
                    : members.FirstOrDefault(m => string.Equals(m.Card, word, StringComparison.Ordinal));
                if (member is not null && member.Number != me && !mentioned.Contains(member.Number)) mentioned.Add(member.Number);
            }
            return ([.. mentioned.Take(Limits.GroupMentionsMax)], all);
        }

        [GeneratedRegex(@"@(\S+)")]
        private static partial Regex MentionPattern();
    }
}
