using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Penguin.Core.Messaging;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0313 Message Archive Management over the native one-to-one history: the user's own conversations only (the
/// store reads them as this user, without what the user deleted), filtered by with/start/end, paged with XEP-0059 RSM
/// by archive id (= Penguin's message id = the XEP-0359 stanza-id), each result forwarded with its XEP-0203 delay.
/// </summary>
internal sealed partial class XmppConnection
{
    /// <summary>How many of the newest messages a query reaches: per conversation with 'with', across the latest conversations without.</summary>
    private const int MamReach = ScanPages * ScanPage;

    private const int MamConversations = 50;

    private const int MamMaxPage = 100;

    private static XElement MamForm() =>
        new(Mam + "query", new XElement(DataForms + "x", new XAttribute("type", "form"),
            new XElement(DataForms + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(DataForms + "value", Mam.NamespaceName)),
            new XElement(DataForms + "field", new XAttribute("var", "with"), new XAttribute("type", "jid-single")),
            new XElement(DataForms + "field", new XAttribute("var", "start"), new XAttribute("type", "text-single")),
            new XElement(DataForms + "field", new XAttribute("var", "end"), new XAttribute("type", "text-single"))));

    private async Task MamQueryAsync(XElement iq, XElement query)
    {
        var queryId = (string?)query.Attribute("queryid");
        var fields = query.Element(DataForms + "x")?.Elements(DataForms + "field")
            .ToDictionary(f => (string?)f.Attribute("var") ?? "", f => f.Element(DataForms + "value")?.Value, StringComparer.Ordinal) ?? [];
        long? with = null;
        DateTimeOffset? start = null, end = null;
        try
        {
            if (fields.GetValueOrDefault("with") is { } withText)
                with = Jid.Parse(withText)?.NumberAt(Domain) ?? throw new FormatException();
            if (fields.GetValueOrDefault("start") is { } startText) start = XmlConvert.ToDateTimeOffset(startText);
            if (fields.GetValueOrDefault("end") is { } endText) end = XmlConvert.ToDateTimeOffset(endText);
        }
        catch (FormatException)
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", "'with' must be a user of this server; 'start' and 'end' XEP-0082 times. / “with”须为本服务器用户，“start”“end”须为 XEP-0082 时间。"));
            return;
        }
        var set = query.Element(Rsm + "set");
        var max = 50;
        if (set?.Element(Rsm + "max")?.Value is { } maxText && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 0))
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", null));
            return;
        }
        max = Math.Min(max, MamMaxPage);
        var after = set?.Element(Rsm + "after")?.Value;
        var beforeElement = set?.Element(Rsm + "before");
        var before = beforeElement?.Value;

        // The matching messages, oldest first.
        var all = new List<MessageRecord>();
        if (with is { } peer) all.AddRange(await LatestAsync(peer, MamReach));
        else
            foreach (var conversation in await _services.Messages.ListConversationsAsync(_userId, MamConversations, _closed.Token))
                all.AddRange(await LatestAsync(conversation.PeerId, ScanPage));
        var matching = all.Where(m => m.RecalledAt is null && m.Text is not null && (start is null || m.SentAt >= start) && (end is null || m.SentAt <= end))
            .OrderBy(m => m.SentAt).ThenBy(m => m.Id).ToList();

        int from, to; // [from, to) of matching
        if (!string.IsNullOrEmpty(after))
        {
            var index = matching.FindIndex(m => m.Id.ToString(CultureInfo.InvariantCulture) == after);
            if (index < 0)
            {
                await WriteAsync(IqError(iq, "cancel", "item-not-found", "No such archive id / 没有这条归档"));
                return;
            }
            from = index + 1;
            to = Math.Min(matching.Count, from + max);
        }
        else if (beforeElement is not null)
        {
            var index = matching.Count;
            if (!string.IsNullOrEmpty(before))
            {
                index = matching.FindIndex(m => m.Id.ToString(CultureInfo.InvariantCulture) == before);
                if (index < 0)
                {
                    await WriteAsync(IqError(iq, "cancel", "item-not-found", "No such archive id / 没有这条归档"));
                    return;
                }
            }
            to = index;
            from = Math.Max(0, to - max);
        }
        else
        {
            from = 0;
            to = Math.Min(matching.Count, max);
        }

        var page = matching.GetRange(from, to - from);
        foreach (var m in page)
        {
            var original = new XElement(Client + "message", new XAttribute("type", "chat"),
                new XAttribute("id", m.SenderId == _userId ? m.ClientId : $"penguin-{m.Id}"),
                new XAttribute("from", m.SenderId == _userId ? BareJid : ContactJid(m.SenderId)),
                new XAttribute("to", Jid.Bare(m.RecipientId, Domain)),
                new XElement(Client + "body", m.Text),
                new XElement(StanzaId + "stanza-id", new XAttribute("id", m.Id.ToString(CultureInfo.InvariantCulture)), new XAttribute("by", BareJid)));
            if (m.SenderId == _userId) original.Add(new XElement(StanzaId + "origin-id", new XAttribute("id", m.ClientId)));
            await WriteAsync(new XElement(Client + "message", new XAttribute("to", FullJid), new XAttribute("from", BareJid),
                new XElement(Mam + "result", queryId is null ? null : new XAttribute("queryid", queryId), new XAttribute("id", m.Id.ToString(CultureInfo.InvariantCulture)),
                    new XElement(Forward + "forwarded",
                        new XElement(Delay + "delay", new XAttribute("stamp", m.SentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))),
                        original))));
        }
        // Complete when the page reaches the end in the direction asked: the oldest for 'before', the newest otherwise.
        var complete = beforeElement is not null ? from == 0 : to == matching.Count;
        var rsm = new XElement(Rsm + "set", new XElement(Rsm + "count", matching.Count));
        if (page.Count > 0)
            rsm.AddFirst(new XElement(Rsm + "first", new XAttribute("index", from), page[0].Id.ToString(CultureInfo.InvariantCulture)),
                new XElement(Rsm + "last", page[^1].Id.ToString(CultureInfo.InvariantCulture)));
        await WriteAsync(Result(iq, new XElement(Mam + "fin", complete ? new XAttribute("complete", "true") : null, rsm)));
    }

    /// <summary>
    /// MAM on a room JID: the group's history as this member may see it (from when they joined), paged by the group seq
    /// (the rooms' stanza-id): RSM <c>after</c> (oldest first from there), <c>before</c> (the newest before it; empty = the
    /// last page), none = from the oldest. The time filters are not offered on rooms (feature-not-implemented).
    /// </summary>
    private async Task RoomMamQueryAsync(XElement iq, long group, XElement query)
    {
        var fields = query.Element(DataForms + "x")?.Elements(DataForms + "field").Select(f => (string?)f.Attribute("var")).Where(v => v is not "FORM_TYPE").ToList() ?? [];
        var set = query.Element(Rsm + "set");
        var max = 50;
        if (fields.Count > 0 || (set?.Element(Rsm + "max")?.Value is { } maxText && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1)))
        {
            await WriteAsync(IqError(iq, "modify", fields.Count > 0 ? "feature-not-implemented" : "bad-request",
                "Rooms are paged by RSM only (no time or 'with' filters). / 群聊记录仅支持 RSM 分页（不支持时间或“with”筛选）。"));
            return;
        }
        long? SeqOf(string? text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;
        var afterText = set?.Element(Rsm + "after")?.Value;
        var beforeElement = set?.Element(Rsm + "before");
        long? after = afterText is { Length: > 0 } ? SeqOf(afterText) ?? -1 : beforeElement is null ? 0 : null;
        long? before = beforeElement?.Value is { Length: > 0 } beforeText ? SeqOf(beforeText) ?? -1 : null;
        if (after < 0 || before < 0)
        {
            await WriteAsync(IqError(iq, "cancel", "item-not-found", "No such archive id / 没有这条归档"));
            return;
        }
        var history = await _services.Groups.HistoryAsync(_userId, group, before, after, Math.Min(max, MamMaxPage), _closed.Token);
        if (!history.IsOk)
        {
            await WriteAsync(IqError(iq, "auth", "forbidden", TextOf(history.Error)));
            return;
        }
        var queryId = (string?)query.Attribute("queryid");
        var page = history.Value.Messages;
        foreach (var m in page.Where(m => !m.Recalled && m.Text is not null))
            await WriteAsync(new XElement(Client + "message", new XAttribute("to", FullJid), new XAttribute("from", RoomJid(group)),
                new XElement(Mam + "result", queryId is null ? null : new XAttribute("queryid", queryId), new XAttribute("id", m.Seq.ToString(CultureInfo.InvariantCulture)),
                    new XElement(Forward + "forwarded",
                        new XElement(Delay + "delay", new XAttribute("stamp", m.SentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))),
                        GroupChat(m, delayed: false)))));
        var rsm = new XElement(Rsm + "set");
        if (page.Length > 0)
            rsm.Add(new XElement(Rsm + "first", page[0].Seq.ToString(CultureInfo.InvariantCulture)), new XElement(Rsm + "last", page[^1].Seq.ToString(CultureInfo.InvariantCulture)));
        await WriteAsync(Result(iq, new XElement(Mam + "fin", history.Value.More ? null : new XAttribute("complete", "true"), rsm)));
    }

    /// <summary>Up to <paramref name="reach"/> of the conversation's newest messages, as this user sees the history.</summary>
    private async Task<List<MessageRecord>> LatestAsync(long peer, int reach)
    {
        var result = new List<MessageRecord>();
        var before = long.MaxValue;
        while (result.Count < reach)
        {
            var page = await _services.Messages.HistoryAsync(_userId, peer, before, Math.Min(ScanPage, reach - result.Count), _closed.Token);
            result.AddRange(page);
            if (page.Count < ScanPage) break;
            before = page[^1].Seq;
        }
        return result;
    }
}
