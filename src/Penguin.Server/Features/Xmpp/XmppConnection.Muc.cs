using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<long, byte> _rooms = new(); // touched by the stanza loop and the delivery pump at once

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
            if (_rooms.TryRemove(group, out _))
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
        var self = members.Value.FirstOrDefault(m => m.Number == _userId) ?? new GroupMember(_userId, GroupRole.Member, _services.Time.GetUtcNow());
        if (!_rooms.TryAdd(group, 0))
        {
            // Already inside: presence to another nick is a nick change, which is the member's card (群名片).
            await NickChangeAsync(presence, group, self, members.Value, info.Value.MuteAll);
            return;
        }
        foreach (var m in members.Value.Where(m => m.Number != _userId)) await WriteAsync(OccupantPresence(group, m, info.Value.MuteAll));
        // Self-presence last: 110 (this is you), 100 (real JIDs are shown), 210 (the service chose the nick).
        await WriteAsync(OccupantPresence(group, self, info.Value.MuteAll, 110, 100, 210));

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
            new XAttribute("affiliation", Affiliation(role)),
            new XAttribute("role", number is null ? "none" : muted ? "visitor" : role == GroupRole.Member ? "participant" : "moderator"),
            number is { } n ? new XAttribute("jid", Jid.Bare(n, Domain)) : null));
        foreach (var code in codes) x.Add(new XElement(MucUser + "status", new XAttribute("code", code)));
        return x;
    }

    /// <summary>
    /// An occupant's presence: the nick is the account number (unique, stable, what private messages name); the
    /// member's card (群名片) rides along as their XEP-0172 nickname.
    /// </summary>
    private XElement OccupantPresence(long group, GroupMember member, bool muteAll, params int[] codes) =>
        new(Client + "presence", new XAttribute("from", OccupantJid(group, member.Number)), new XAttribute("to", FullJid),
            UserX(member.Number, member.Role, IsMuted(member, muteAll), codes),
            member.Card is null ? null : new XElement(UserNick + "nick", member.Card));

    private bool IsMuted(GroupMember member, bool muteAll) =>
        member.MutedUntil > _services.Time.GetUtcNow() || (muteAll && member.Role == GroupRole.Member);

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

    /// <summary>
    /// Presence to room/nick while inside. The room nick stays the account number; a nick that is not it sets the
    /// member's card (群名片), which every occupant then sees (XEP-0172 nick in the occupant's presence, from the
    /// group's <c>group.member</c> event). Another member's number or card is taken (409 conflict); a card the group
    /// refuses (too long, not displayable) is not acceptable (406). The own number or the current card changes nothing.
    /// </summary>
    private async Task NickChangeAsync(XElement presence, long group, GroupMember self, GroupMember[] members, bool muteAll)
    {
        var nick = Jid.Parse((string?)presence.Attribute("to"))?.Resource;
        if (nick is null || nick == _userId.ToString(CultureInfo.InvariantCulture) || nick == self.Card)
        {
            await WriteAsync(OccupantPresence(group, self, muteAll, 110)); // a presence update in the room: the self-presence again
            return;
        }
        if (members.Any(m => m.Number != _userId && (m.Card == nick || m.Number.ToString(CultureInfo.InvariantCulture) == nick)))
        {
            await WriteAsync(NickError(group, nick, "cancel", "conflict", "That nick is taken in this group / 该群名片已被本群他人使用"));
            return;
        }
        var changed = await _services.Groups.SetCardAsync(_userId, group, nick, _closed.Token);
        if (!changed.IsOk) await WriteAsync(NickError(group, nick, "modify", "not-acceptable", TextOf(changed.Error)));
        // Done: the group's own events bring the self-presence (group.membership) and everyone else's view (group.member).
    }

    private XElement NickError(long group, string nick, string type, string condition, string text) =>
        new(Client + "presence", new XAttribute("from", $"{RoomJid(group)}/{nick}"), new XAttribute("to", FullJid), new XAttribute("type", "error"),
            new XElement(Client + "error", new XAttribute("type", type), new XElement(Stanzas + condition), new XElement(Stanzas + "text", text)));

    /// <summary>A groupchat message: a body is a group message, a subject the announcement.</summary>
    private async Task RoomMessageAsync(XElement message, long group)
    {
        if (Jid.Parse((string?)message.Attribute("to")) is { Resource: { } nick } && (string?)message.Attribute("type") != "groupchat")
        {
            await PrivateMessageAsync(message, nick);
            return;
        }
        if (!_rooms.ContainsKey(group))
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

    /// <summary>
    /// A private message to an occupant is a one-to-one message to that member (the nick is their account number), with
    /// the one-to-one rules (friends, or strangers who accept them); the answer comes from the member's own JID.
    /// </summary>
    private async Task PrivateMessageAsync(XElement message, string nick)
    {
        if (!long.TryParse(nick, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            await WriteAsync(StanzaError(message, "cancel", "item-not-found", null));
            return;
        }
        var direct = new XElement(message);
        direct.SetAttributeValue("to", Jid.Bare(number, Domain));
        direct.SetAttributeValue("type", "chat");
        await HandleMessageAsync(direct);
    }

    /// <summary>
    /// muc#admin set: role none = kick, visitor = mute (a day), participant = unmute; affiliation outcast = kick (a
    /// members-only group: they cannot enter again unless admitted again), admin / member = make or unmake an admin.
    /// </summary>
    private async Task RoomAdminAsync(XElement iq, long group, XElement query)
    {
        if (query.Elements(MucAdmin + "item").SingleOrDefault() is not { } item || MemberOf(item) is not { } number)
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", "One item naming the member (nick = number, or jid) / 需要一个指明成员的条目（昵称为号码，或 JID）"));
            return;
        }
        var groups = _services.Groups;
        Error? error = ((string?)item.Attribute("role"), (string?)item.Attribute("affiliation")) switch
        {
            ("none", null) or (_, "outcast") => (await groups.KickAsync(_userId, group, number, _closed.Token)).Error,
            ("visitor", null) => (await groups.MuteAsync(_userId, group, number, 24 * 60, _closed.Token)).Error,
            ("participant", null) => (await groups.MuteAsync(_userId, group, number, 0, _closed.Token)).Error,
            (_, "admin") => (await groups.SetAdminAsync(_userId, group, number, true, _closed.Token)).Error,
            (_, "member") => (await groups.SetAdminAsync(_userId, group, number, false, _closed.Token)).Error,
            _ => Errors.BadRequest,
        };
        await WriteAsync(error is null ? Result(iq, null) : IqError(iq, error == Errors.BadRequest ? "modify" : "auth",
            error == Errors.BadRequest ? "feature-not-implemented" : "forbidden", TextOf(error)));
    }

    private long? MemberOf(XElement item) =>
        long.TryParse((string?)item.Attribute("nick"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
        : Jid.Parse((string?)item.Attribute("jid"))?.NumberAt(Domain);

    /// <summary>muc#admin get: the members with an affiliation (owner, admin, member); outcast is empty (a kicked member is simply not a member).</summary>
    private async Task RoomAffiliationsAsync(XElement iq, long group, XElement query)
    {
        var wanted = (string?)query.Element(MucAdmin + "item")?.Attribute("affiliation");
        var members = await _services.Groups.ListMembersAsync(_userId, group, _closed.Token);
        if (!members.IsOk)
        {
            await WriteAsync(IqError(iq, "auth", "forbidden", TextOf(members.Error)));
            return;
        }
        var result = new XElement(MucAdmin + "query");
        foreach (var m in members.Value.Where(m => Affiliation(m.Role) == wanted))
            result.Add(new XElement(MucAdmin + "item", new XAttribute("affiliation", Affiliation(m.Role)), new XAttribute("jid", Jid.Bare(m.Number, Domain)),
                new XAttribute("nick", m.Number.ToString(CultureInfo.InvariantCulture))));
        await WriteAsync(Result(iq, result));
    }

    private static string Affiliation(GroupRole role) => role switch { GroupRole.Owner => "owner", GroupRole.Admin => "admin", _ => "member" };

    /// <summary>
    /// muc#owner: the room configuration as a form. Only the room name is Penguin's to change (the group's name, by its
    /// owner or an admin); the rest is how every group is (members-only, persistent, real JIDs shown) and read-only.
    /// </summary>
    private async Task RoomConfigAsync(XElement iq, string type, long group, XElement query)
    {
        var info = await _services.Groups.GetAsync(group, _closed.Token);
        if (!info.IsOk || !(await _services.Groups.ListMembersAsync(_userId, group, _closed.Token)).IsOk)
        {
            await WriteAsync(IqError(iq, "auth", "forbidden", "Only members / 仅群成员"));
            return;
        }
        var fixedFields = new Dictionary<string, string>
        {
            ["muc#roomconfig_membersonly"] = "1",
            ["muc#roomconfig_persistentroom"] = "1",
            ["muc#roomconfig_publicroom"] = "0",
            ["muc#roomconfig_whois"] = "anyone",
        };
        if (type == "get")
        {
            var form = new XElement(DataForms + "x", new XAttribute("type", "form"),
                new XElement(DataForms + "title", $"{info.Value.Name} ({group})"),
                new XElement(DataForms + "instructions", "Only the name can be changed here; the rest is how every Penguin group is. / 此处仅可修改群名称，其余为企鹅群的固定设置。"),
                Field("FORM_TYPE", "hidden", MucRoomConfig),
                Field("muc#roomconfig_roomname", "text-single", info.Value.Name),
                Field("muc#roomconfig_roomdesc", "text-single", info.Value.Introduction));
            foreach (var (field, value) in fixedFields) form.Add(Field(field, field == "muc#roomconfig_whois" ? "list-single" : "boolean", value));
            await WriteAsync(Result(iq, new XElement(MucOwner + "query", form)));
            return;
        }
        var submitted = query.Element(DataForms + "x");
        if (submitted is null || (string?)submitted.Attribute("type") == "cancel")
        {
            await WriteAsync(Result(iq, null));
            return;
        }
        string? Value(string field) => submitted.Elements(DataForms + "field").FirstOrDefault(f => (string?)f.Attribute("var") == field)?.Element(DataForms + "value")?.Value;
        foreach (var (field, value) in fixedFields)
            if (Value(field) is { } given && given != value && !(value == "1" && given == "true") && !(value == "0" && given == "false"))
            {
                await WriteAsync(IqError(iq, "modify", "not-acceptable", $"{field} is read-only / {field} 不可修改"));
                return;
            }
        var name = Value("muc#roomconfig_roomname");
        var description = Value("muc#roomconfig_roomdesc");
        if ((name is not null && name != info.Value.Name) || (description is not null && description != info.Value.Introduction))
        {
            var updated = await _services.Groups.UpdateAsync(_userId, group, new UpdateGroupRequest(Name: name, Introduction: description), _closed.Token);
            if (!updated.IsOk)
            {
                await WriteAsync(IqError(iq, "auth", "forbidden", TextOf(updated.Error)));
                return;
            }
        }
        await WriteAsync(Result(iq, null));
    }

    private static XElement Field(string name, string type, string value) =>
        new(DataForms + "field", new XAttribute("var", name), new XAttribute("type", type), new XElement(DataForms + "value", value));

    /// <summary>Live group traffic for the rooms this resource is in.</summary>
    private async Task GroupFrameAsync(ServerFrame frame)
    {
        switch (frame)
        {
            case GroupMessageReceived { Message: var m } when _rooms.ContainsKey(m.GroupId) && !m.Recalled && m.Text is not null:
                await WriteAsync(GroupChat(m, delayed: false));
                break;
            case GroupUpdated { Group: var g } when _rooms.ContainsKey(g.Id):
                await WriteAsync(new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("from", RoomJid(g.Id)), new XAttribute("to", FullJid),
                    new XElement(Client + "subject", g.Announcement)));
                break;
            case GroupMembershipChanged { Member: var member } changed when _rooms.ContainsKey(changed.GroupId):
                // This occupant's own affiliation, voice or card changed (made admin, muted…): its self-presence again.
                await WriteAsync(OccupantPresence(changed.GroupId, member, muteAll: false, 110));
                break;
            case GroupMemberChanged { Member: var member } changed when _rooms.ContainsKey(changed.GroupId) && member.Number != _userId:
                // Someone joined, or another member's card, role or voice changed: their occupant presence (XEP-0045 §7.2.3, §9).
                await WriteAsync(OccupantPresence(changed.GroupId, member, muteAll: false));
                break;
            case GroupMemberLeft left when _rooms.ContainsKey(left.GroupId) && left.Number != _userId:
                // Another member left the room (the group), or was kicked (307).
                await WriteAsync(new XElement(Client + "presence", new XAttribute("from", OccupantJid(left.GroupId, left.Number)), new XAttribute("to", FullJid),
                    new XAttribute("type", "unavailable"), left.Reason == GroupLeaveReason.Kicked ? UserX(null, GroupRole.Member, false, 307) : UserX(null, GroupRole.Member, false)));
                break;
            case GroupLeft left when _rooms.TryRemove(left.GroupId, out _):
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
            case ("get", "query") when payload.Name.Namespace == MucAdmin && group is { } g:
                await RoomAffiliationsAsync(iq, g, payload);
                break;
            case ("set", "query") when payload.Name.Namespace == Mam && group is { } g:
                await RoomMamQueryAsync(iq, g, payload);
                break;
            case ("get", "query") when payload.Name.Namespace == Mam && group is not null:
                await WriteAsync(Result(iq, new XElement(Mam + "query", new XElement(DataForms + "x", new XAttribute("type", "form"),
                    new XElement(DataForms + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(DataForms + "value", Mam.NamespaceName))))));
                break;
            case (_, "query") when payload.Name.Namespace == MucOwner && group is { } g:
                await RoomConfigAsync(iq, type, g, payload);
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
        group is null ? null : new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_nonanonymous")),
        group is null ? null : new XElement(DiscoInfo + "feature", new XAttribute("var", Mam.NamespaceName)));

    /// <summary>The rooms of the service: this user's groups, then the public chat rooms.</summary>
    private async Task<XElement> MucDiscoItemsAsync()
    {
        var query = new XElement(DiscoItems + "query");
        foreach (var g in await _services.Groups.ListMineAsync(_userId, _closed.Token))
            query.Add(new XElement(DiscoItems + "item", new XAttribute("jid", RoomJid(g.Group.Id)), new XAttribute("name", g.Group.Name)));
        query.Add(await ChatRoomItemsAsync());
        return query;
    }
}
