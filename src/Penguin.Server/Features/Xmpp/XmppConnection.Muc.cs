using System.Globalization;
using System.Xml.Linq;
using Penguin.Core.Common;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0045 multi-user chat over Penguin groups: the service <c>conference.&lt;domain&gt;</c>, room
/// <c>groupNumber@conference.&lt;domain&gt;</c>, occupant nick = the member's account number (so it is unique and
/// says who it is). Only members enter; the members are the occupants (affiliation owner/admin/member, role
/// moderator/participant, visitor while muted). groupchat ↔ group messages (the same per-group seq, as the
/// stanza-id), subject ↔ announcement, voice ↔ mute, kick (role none) ↔ kick.
/// </summary>
internal sealed partial class XmppConnection
{
    private const int HistoryOnJoin = 20;
    private readonly HashSet<long> _rooms = [];

    private string MucService => "conference." + Domain;

    private string RoomJid(long group) => $"{group}@{MucService}";

    private string OccupantJid(long group, long number) => $"{RoomJid(group)}/{number}";

    /// <summary>The group a JID names at the MUC service (the room, with or without a nick); null otherwise.</summary>
    private long? RoomOf(string? to)
    {
        if (Jid.Parse(to) is not { } jid || !string.Equals(jid.Domain, MucService, StringComparison.OrdinalIgnoreCase)) return null;
        return long.TryParse(jid.Local, NumberStyles.None, CultureInfo.InvariantCulture, out var group) ? group : null;
    }

    private bool IsMucService(string? to) => string.Equals(to, MucService, StringComparison.OrdinalIgnoreCase);

    /// <summary>Presence to a room: enter (with the MUC x, or any available presence) or leave (unavailable).</summary>
    private async Task RoomPresenceAsync(XElement presence, long group)
    {
        if ((string?)presence.Attribute("type") == "unavailable")
        {
            if (_rooms.Remove(group))
                await WriteAsync(new XElement(Client + "presence", new XAttribute("from", OccupantJid(group, _userId)), new XAttribute("to", FullJid),
                    new XAttribute("type", "unavailable"), UserX(null, GroupRole.Member, false, 110)));
            return;
        }
        var info = await _services.Groups.GetAsync(group, _closed.Token);
        var members = await _services.Groups.ListMembersAsync(_userId, group, _closed.Token);
        if (!info.IsOk || !members.IsOk)
        {
            // Members only: a non-member (or no such group) gets the members-only error (XEP-0045 §7.2.6).
            await WriteAsync(new XElement(Client + "presence", new XAttribute("from", RoomJid(group)), new XAttribute("to", FullJid), new XAttribute("type", "error"),
                new XElement(Client + "error", new XAttribute("type", "auth"), new XElement(Stanzas + "registration-required"),
                    new XElement(Stanzas + "text", "Only members of the group can enter / 仅群成员可进入"))));
            return;
        }
        _rooms.Add(group);
        var now = _services.Time.GetUtcNow();
        GroupMember? self = null;
        foreach (var m in members.Value)
        {
            if (m.Number == _userId)
            {
                self = m;
                continue;
            }
            await WriteAsync(new XElement(Client + "presence", new XAttribute("from", OccupantJid(group, m.Number)), new XAttribute("to", FullJid),
                UserX(m.Number, m.Role, m.MutedUntil > now || (info.Value.MuteAll && m.Role == GroupRole.Member))));
        }
        // Self-presence last: 110 (this is you), 100 (real JIDs are shown), 210 (the service chose the nick).
        await WriteAsync(new XElement(Client + "presence", new XAttribute("from", OccupantJid(group, _userId)), new XAttribute("to", FullJid),
            UserX(_userId, self?.Role ?? GroupRole.Member, self?.MutedUntil > now || (info.Value.MuteAll && self?.Role == GroupRole.Member), 110, 100, 210)));

        // History (what this member may see), then the subject, as XEP-0045 §7.2.15 orders them.
        var maxStanzas = (int?)presence.Element(Muc + "x")?.Element(Muc + "history")?.Attribute("maxstanzas") ?? HistoryOnJoin;
        if (maxStanzas > 0)
        {
            var history = await _services.Groups.HistoryAsync(_userId, group, null, null, Math.Min(maxStanzas, HistoryOnJoin * 5), _closed.Token);
            if (history.IsOk)
                foreach (var m in history.Value.Messages.Where(m => !m.Recalled && m.Text is not null))
                    await WriteAsync(GroupChat(m, delayed: true));
        }
        await WriteAsync(new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("from", RoomJid(group)), new XAttribute("to", FullJid),
            new XElement(Client + "subject", info.Value.Announcement)));
    }

    private XElement UserX(long? number, GroupRole role, bool muted, params int[] codes)
    {
        var x = new XElement(MucUser + "x", new XElement(MucUser + "item",
            new XAttribute("affiliation", role switch { GroupRole.Owner => "owner", GroupRole.Admin => "admin", _ => "member" }),
            new XAttribute("role", number is null ? "none" : muted ? "visitor" : role == GroupRole.Member ? "participant" : "moderator"),
            number is { } n ? new XAttribute("jid", Jid.Bare(n, Domain)) : null));
        foreach (var code in codes) x.Add(new XElement(MucUser + "status", new XAttribute("code", code)));
        return x;
    }

    private XElement GroupChat(GroupMessage m, bool delayed)
    {
        var stanza = new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("id", m.From == _userId ? m.ClientId : $"penguin-g{m.Id}"),
            new XAttribute("from", OccupantJid(m.GroupId, m.From)), new XAttribute("to", FullJid),
            new XElement(Client + "body", m.Text),
            new XElement(StanzaId + "stanza-id", new XAttribute("id", m.Seq.ToString(CultureInfo.InvariantCulture)), new XAttribute("by", RoomJid(m.GroupId))));
        if (m.From == _userId) stanza.Add(new XElement(StanzaId + "origin-id", new XAttribute("id", m.ClientId)));
        if (delayed)
            stanza.Add(new XElement(Delay + "delay", new XAttribute("from", RoomJid(m.GroupId)),
                new XAttribute("stamp", m.SentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))));
        return stanza;
    }

    /// <summary>A groupchat message: a body is a group message, a subject the announcement.</summary>
    private async Task RoomMessageAsync(XElement message, long group)
    {
        if (!_rooms.Contains(group))
        {
            await WriteAsync(ErrorReply(message, "cancel", "not-acceptable", "Enter the room first / 请先进入群聊"));
            return;
        }
        if (message.Element(Client + "subject") is { } subject && message.Element(Client + "body") is null)
        {
            var updated = await _services.Groups.UpdateAsync(_userId, group, new UpdateGroupRequest(Announcement: subject.Value), _closed.Token);
            if (!updated.IsOk) await WriteAsync(StanzaError(message, "auth", "forbidden", updated.Error));
            return;
        }
        if (message.Element(Client + "body")?.Value is not { } body) return; // chat states and markers in rooms are not kept
        var clientId = (string?)message.Element(StanzaId + "origin-id")?.Attribute("id") ?? (string?)message.Attribute("id") ?? Guid.NewGuid().ToString("N");
        if (clientId.Length > 64) clientId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(clientId)));
        var sent = await _services.Groups.SendAsync(_userId, new SendGroupMessage(group, clientId, body), _closed.Token);
        if (sent.IsOk) return; // the reflection arrives with the group's fan-out (GroupMessageReceived)
        var error = sent.Error;
        // A muted member has no voice (XEP-0045 §7.4: forbidden); anything else is refused with its reason.
        var (type, condition) = error.Code == Errors.GroupMuted.Code ? ("auth", "forbidden")
            : error.Code == Errors.RateLimited.Code ? ("wait", "resource-constraint") : ("modify", "not-acceptable");
        await WriteAsync(new XElement(Client + "message", new XAttribute("type", "error"), new XAttribute("from", RoomJid(group)), new XAttribute("to", FullJid),
            (string?)message.Attribute("id") is { } id ? new XAttribute("id", id) : null,
            new XElement(Client + "body", body),
            new XElement(Client + "error", new XAttribute("type", type), new XElement(Stanzas + condition), new XElement(Stanzas + "text", TextOf(error)))));
    }

    /// <summary>muc#admin: role none = kick, visitor = mute (a day), participant = unmute.</summary>
    private async Task RoomAdminAsync(XElement iq, long group, XElement query)
    {
        if (query.Elements(MucAdmin + "item").SingleOrDefault() is not { } item ||
            !long.TryParse((string?)item.Attribute("nick"), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", "One item with the member's number as nick / 需要一个以成员号码为昵称的条目"));
            return;
        }
        Error? error = (string?)item.Attribute("role") switch
        {
            "none" => (await _services.Groups.KickAsync(_userId, group, number, _closed.Token)).Error,
            "visitor" => (await _services.Groups.MuteAsync(_userId, group, number, 24 * 60, _closed.Token)).Error,
            "participant" => (await _services.Groups.MuteAsync(_userId, group, number, 0, _closed.Token)).Error,
            _ => Errors.BadRequest,
        };
        await WriteAsync(error is null ? Result(iq, null) : IqError(iq, error == Errors.BadRequest ? "modify" : "auth",
            error == Errors.BadRequest ? "feature-not-implemented" : "forbidden", TextOf(error)));
    }

    /// <summary>Live group traffic for the rooms this resource is in.</summary>
    private async Task GroupFrameAsync(ServerFrame frame)
    {
        switch (frame)
        {
            case GroupMessageReceived { Message: var m } when _rooms.Contains(m.GroupId) && !m.Recalled && m.Text is not null:
                await WriteAsync(GroupChat(m, delayed: false));
                break;
            case GroupUpdated { Group: var g } when _rooms.Contains(g.Id):
                await WriteAsync(new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("from", RoomJid(g.Id)), new XAttribute("to", FullJid),
                    new XElement(Client + "subject", g.Announcement)));
                break;
            case GroupLeft left when _rooms.Remove(left.GroupId):
                // Kicked (307) or the group gone: this occupant leaves the room.
                await WriteAsync(new XElement(Client + "presence", new XAttribute("from", OccupantJid(left.GroupId, _userId)), new XAttribute("to", FullJid),
                    new XAttribute("type", "unavailable"), UserX(null, GroupRole.Member, false, 110, 307)));
                break;
        }
    }

    private async Task MucIqAsync(XElement iq, string type, XElement payload, long? group)
    {
        switch (type, payload.Name.LocalName)
        {
            case ("get", "query") when payload.Name.Namespace == DiscoInfo:
                await WriteAsync(Result(iq, MucDiscoInfo(group)));
                break;
            case ("get", "query") when payload.Name.Namespace == DiscoItems:
                await WriteAsync(Result(iq, group is null ? await MucDiscoItemsAsync() : new XElement(DiscoItems + "query")));
                break;
            case ("set", "query") when payload.Name.Namespace == MucAdmin && group is { } g:
                await RoomAdminAsync(iq, g, payload);
                break;
            default:
                await WriteAsync(IqError(iq, "cancel", "feature-not-implemented", null));
                break;
        }
    }

    private XElement MucDiscoInfo(long? group) => new(DiscoInfo + "query",
        new XElement(DiscoInfo + "identity", new XAttribute("category", "conference"), new XAttribute("type", "text"), new XAttribute("name", group is null ? "Penguin groups / 企鹅群" : $"{group}")),
        new XElement(DiscoInfo + "feature", new XAttribute("var", Muc.NamespaceName)),
        group is null ? null : new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_membersonly")),
        group is null ? null : new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_persistent")),
        group is null ? null : new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_nonanonymous")));

    /// <summary>The rooms of the service: this user's groups.</summary>
    private async Task<XElement> MucDiscoItemsAsync()
    {
        var query = new XElement(DiscoItems + "query");
        foreach (var g in await _services.Groups.ListMineAsync(_userId, _closed.Token))
            query.Add(new XElement(DiscoItems + "item", new XAttribute("jid", RoomJid(g.Group.Id)), new XAttribute("name", g.Group.Name)));
        return query;
    }
}
