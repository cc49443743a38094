using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using Penguin.Core.Common;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// Chat rooms (聊天室) as public XEP-0045 rooms on the same service as the groups: room
/// <c>room-&lt;id&gt;@conference.&lt;domain&gt;</c>, occupant nick = account number. Entering, speaking, leaving and
/// being put out go through the rooms feature's <see cref="Rooms.RoomHub"/> with this resource's connection, exactly
/// as a native device's do, so native and XMPP users share the room both ways. Role moderator for the room's
/// moderators (its creator is the owner), participant for the rest; kick (role none) and ban (affiliation outcast)
/// are the rooms' kick and ban. Like a native room, nothing is stored for the occupant: live only, the last
/// messages on entering.
/// </summary>
internal sealed partial class XmppConnection
{
    private const string ChatRoomPrefix = "room-";

    private readonly ConcurrentDictionary<long, byte> _chatRooms = new(); // touched by the stanza loop and the delivery pump at once

    private string ChatRoomJid(long room) => $"{ChatRoomPrefix}{room}@{MucService}";

    /// <summary>The chat room a JID names at the MUC service (with or without a nick); null otherwise.</summary>
    private long? ChatRoomOf(string? to) =>
        Jid.Parse(to) is { } jid && string.Equals(jid.Domain, MucService, StringComparison.OrdinalIgnoreCase)
        && jid.Local is { } local && local.StartsWith(ChatRoomPrefix, StringComparison.Ordinal)
        && long.TryParse(local.AsSpan(ChatRoomPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var room)
            ? room : null;

    /// <summary>Presence to a chat room: enter, or leave (unavailable).</summary>
    private async Task ChatRoomPresenceAsync(XElement presence, long room)
    {
        var hub = _services.RoomHub;
        if ((string?)presence.Attribute("type") == "unavailable")
        {
            if (_chatRooms.TryRemove(room, out _) && (await hub.LeaveAsync(_connection!, room, _closed.Token)).IsOk)
                await WriteAsync(ChatOccupantPresence(room, _userId, moderator: false, unavailable: true, 110));
            return;
        }
        // Marked inside before entering, so live traffic of the room that follows the entry at once is not dropped.
        if (!_chatRooms.TryAdd(room, 0))
        {
            await WriteAsync(ChatOccupantPresence(room, _userId, await IsRoomModeratorAsync(room, _userId), unavailable: false, 110));
            return;
        }
        var entered = await hub.EnterAsync(_connection!, room, _closed.Token);
        if (!entered.IsOk)
        {
            _chatRooms.TryRemove(room, out _);
            // Banned: forbidden (XEP-0045 §7.2.7); no such room: item-not-found; too many rooms on this stream: not-allowed.
            var error = entered.Error;
            var (type, condition) = error.Code == Errors.RoomBanned.Code ? ("auth", "forbidden")
                : error.Code == Errors.NotFound.Code ? ("cancel", "item-not-found") : ("cancel", "not-allowed");
            await WriteAsync(new XElement(Client + "presence", new XAttribute("from", ChatRoomJid(room)), new XAttribute("to", FullJid), new XAttribute("type", "error"),
                new XElement(Client + "error", new XAttribute("type", type), new XElement(Stanzas + condition), new XElement(Stanzas + "text", TextOf(error)))));
            return;
        }
        var (info, people, recent) = entered.Value;
        var moderators = await RoomModeratorsAsync(room);
        foreach (var number in people.Where(n => n != _userId))
            await WriteAsync(ChatOccupantPresence(room, number, moderators.Contains(number), unavailable: false));
        await WriteAsync(ChatOccupantPresence(room, _userId, moderators.Contains(_userId), unavailable: false, 110, 100, 210));
        foreach (var m in recent) await WriteAsync(ChatRoomMessage(m, delayed: true));
        await WriteAsync(new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("from", ChatRoomJid(room)), new XAttribute("to", FullJid),
            new XElement(Client + "subject", info.Topic)));
    }

    private XElement ChatOccupantPresence(long room, long number, bool moderator, bool unavailable, params int[] codes)
    {
        var x = new XElement(MucUser + "x", new XElement(MucUser + "item",
            new XAttribute("affiliation", "none"), new XAttribute("role", unavailable ? "none" : moderator ? "moderator" : "participant"),
            new XAttribute("jid", Jid.Bare(number, Domain))));
        foreach (var code in codes) x.Add(new XElement(MucUser + "status", new XAttribute("code", code)));
        return new XElement(Client + "presence", new XAttribute("from", $"{ChatRoomJid(room)}/{number}"), new XAttribute("to", FullJid),
            unavailable ? new XAttribute("type", "unavailable") : null, x);
    }

    private XElement ChatRoomMessage(RoomMessage m, bool delayed)
    {
        var stanza = new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("id", $"penguin-r{m.Id}"),
            new XAttribute("from", $"{ChatRoomJid(m.RoomId)}/{m.From}"), new XAttribute("to", FullJid),
            new XElement(Client + "body", m.Text),
            new XElement(StanzaId + "stanza-id", new XAttribute("id", m.Id.ToString(CultureInfo.InvariantCulture)), new XAttribute("by", ChatRoomJid(m.RoomId))));
        if (delayed)
            stanza.Add(new XElement(Delay + "delay", new XAttribute("from", ChatRoomJid(m.RoomId)),
                new XAttribute("stamp", m.SentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))));
        return stanza;
    }

    /// <summary>A groupchat message to a chat room: said in the room; the sender gets it back (MUC reflection).</summary>
    private async Task ChatRoomMessageAsync(XElement message, long room)
    {
        if ((string?)message.Attribute("type") != "groupchat")
        {
            // Private messages between room occupants are not carried: strangers in a public room.
            await WriteAsync(StanzaError(message, "cancel", "not-acceptable", null));
            return;
        }
        if (message.Element(Client + "body")?.Value is not { } body) return; // chat states in rooms are not carried
        var said = await _services.RoomHub.SayAsync(_connection!, room, body, _closed.Token);
        if (said.IsOk)
        {
            var reflection = ChatRoomMessage(said.Value, delayed: false);
            if ((string?)message.Attribute("id") is { } id) reflection.SetAttributeValue("id", id);
            await WriteAsync(reflection);
            return;
        }
        var error = said.Error;
        var (type, condition) = error.Code == Errors.RoomBanned.Code ? ("auth", "forbidden")
            : error.Code == Errors.RateLimited.Code ? ("wait", "resource-constraint") : ("modify", "not-acceptable");
        await WriteAsync(new XElement(Client + "message", new XAttribute("type", "error"), new XAttribute("from", ChatRoomJid(room)), new XAttribute("to", FullJid),
            (string?)message.Attribute("id") is { } sentId ? new XAttribute("id", sentId) : null,
            new XElement(Client + "body", body),
            new XElement(Client + "error", new XAttribute("type", type), new XElement(Stanzas + condition), new XElement(Stanzas + "text", TextOf(error)))));
    }

    /// <summary>disco#info of a room, and muc#admin: role none = kick, affiliation outcast = ban (moderators only).</summary>
    private async Task ChatRoomIqAsync(XElement iq, string type, XElement payload, long room)
    {
        if (type == "get" && payload.Name == DiscoInfo + "query")
        {
            var info = await _services.Rooms.GetAsync(room, _closed.Token);
            await WriteAsync(info.IsOk
                ? Result(iq, new XElement(DiscoInfo + "query",
                    new XElement(DiscoInfo + "identity", new XAttribute("category", "conference"), new XAttribute("type", "text"), new XAttribute("name", info.Value.Name)),
                    new XElement(DiscoInfo + "feature", new XAttribute("var", Muc.NamespaceName)),
                    new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_public")),
                    new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_open")),
                    new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_nonanonymous")),
                    new XElement(DiscoInfo + "feature", new XAttribute("var", "muc_persistent"))))
                : IqError(iq, "cancel", "item-not-found", TextOf(info.Error)));
            return;
        }
        var items = payload.Elements(MucAdmin + "item").Take(2).ToList();
        if (type != "set" || payload.Name != MucAdmin + "query" || items.Count != 1 || MemberOf(items[0]) is not { } target)
        {
            await WriteAsync(IqError(iq, "cancel", "feature-not-implemented", null));
            return;
        }
        var hub = _services.RoomHub;
        Result<bool> done = ((string?)items[0].Attribute("role"), (string?)items[0].Attribute("affiliation")) switch
        {
            ("none", null) => await hub.KickAsync(_userId, room, target, _closed.Token),
            (_, "outcast") => await hub.BanAsync(_userId, room, target, _closed.Token),
            _ => Errors.BadRequest,
        };
        await WriteAsync(done.IsOk ? Result(iq, null)
            : done.Error == Errors.BadRequest ? IqError(iq, "cancel", "feature-not-implemented", null)
            : IqError(iq, "auth", done.Error.Code == Errors.NotInRoom.Code ? "item-not-found" : "forbidden", TextOf(done.Error)));
    }

    /// <summary>Live room traffic for the chat rooms this resource is in.</summary>
    private async Task ChatRoomFrameAsync(ServerFrame frame)
    {
        switch (frame)
        {
            case RoomMessageReceived { Message: var m } when _chatRooms.ContainsKey(m.RoomId):
                await WriteAsync(ChatRoomMessage(m, delayed: false));
                break;
            case RoomPersonEntered entered when _chatRooms.ContainsKey(entered.RoomId) && entered.Number != _userId:
                await WriteAsync(ChatOccupantPresence(entered.RoomId, entered.Number, await IsRoomModeratorAsync(entered.RoomId, entered.Number), unavailable: false));
                break;
            case RoomPersonLeft left when _chatRooms.ContainsKey(left.RoomId) && left.Number != _userId:
                await WriteAsync(ChatOccupantPresence(left.RoomId, left.Number, moderator: false, unavailable: true, ExitCodes(left.Reason)));
                break;
            case RoomRemoved removed when _chatRooms.TryRemove(removed.RoomId, out _):
                // This user was put out: 307 kicked, 301 banned.
                await WriteAsync(ChatOccupantPresence(removed.RoomId, _userId, moderator: false, unavailable: true, [110, .. ExitCodes(removed.Reason)]));
                break;
        }
    }

    private static int[] ExitCodes(RoomExitReason reason) => reason switch
    {
        RoomExitReason.Kicked => [307],
        RoomExitReason.Banned => [301],
        _ => [],
    };

    private async Task<long[]> RoomModeratorsAsync(long room) =>
        await _services.Rooms.ModeratorsAsync(room, _closed.Token) is { IsOk: true } moderators ? moderators.Value : [];

    private async Task<bool> IsRoomModeratorAsync(long room, long number) => (await RoomModeratorsAsync(room)).Contains(number);

    /// <summary>The public rooms of the directory, for the service's disco#items.</summary>
    private async Task<IEnumerable<XElement>> ChatRoomItemsAsync() =>
        await _services.Rooms.ListAsync(null, _closed.Token) is { IsOk: true } rooms
            ? rooms.Value.Select(r => new XElement(DiscoItems + "item", new XAttribute("jid", ChatRoomJid(r.Id)), new XAttribute("name", r.Name)))
            : [];
}
