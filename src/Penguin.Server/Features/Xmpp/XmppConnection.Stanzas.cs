using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Penguin.Core.Common;
using Penguin.Core.Presence;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>The bound resource: stanzas in (roster, presence, chat, ping, disco) and Penguin's events out as stanzas.</summary>
internal sealed partial class XmppConnection
{
    /// <summary>The resource name Penguin users appear under: presence is one aggregate per user, not per device.</summary>
    private const string ContactResource = "penguin";

    private bool _available;
    private bool _keepingAlive;
    private int _pingId;

    private string ContactJid(long number) => $"{number}@{Domain}/{ContactResource}";

    /// <summary>How many parsed stanzas may wait while an earlier one is handled (its send stored, say).</summary>
    private const int ReadAhead = 8; // at most 8 × MaxStanzaBytes held per stream

    /// <summary>
    /// Serves the bound stream: one task reads and parses ahead (up to <see cref="ReadAhead"/> stanzas) while this one
    /// handles them one by one, in order, so replies and sends keep the client's order. Answers to a run of stanzas
    /// that were already waiting are gathered and sent together (<see cref="Gateway.FlushHold"/>).
    /// </summary>
    private async Task ServeAsync()
    {
        var connection = _connection!;
        _reader!.Activity = () => connection.LastReceived = _services.Time.GetTimestamp();
        if (!_keepingAlive)
        {
            _keepingAlive = true;
            _ = KeepAliveAsync();
        }
        using var serving = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
        var inbox = Channel.CreateBounded<Inbound>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        _ = ReadAheadAsync(_reader, inbox.Writer, serving.Token);
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                var (stanza, failure) = await inbox.Reader.ReadAsync(_closed.Token);
                failure?.Throw();
                if (stanza is null)
                {
                    await EndAsync(null, null);
                    return;
                }
                Gateway.FlushHold.Set(inbox.Reader.Count > 0);
                if (stanza.Name.Namespace == Sm)
                {
                    await StreamManagementAsync(stanza);
                }
                else
                {
                    try
                    {
                        await HandleStanzaAsync(stanza);
                    }
                    catch (StorageUnavailableException)
                    {
                        await WriteAsync(StanzaError(stanza, "wait", "internal-server-error", Errors.Unavailable));
                    }
                    if (_smEnabled) _inbound++;
                }
                if (!Gateway.FlushHold.IsHeld) await FlushAsync();
            }
        }
        finally
        {
            Gateway.FlushHold.Set(false);
            serving.Cancel();
        }
    }

    /// <summary>A parsed stanza, the end of the stream (both null), or what ended the reading.</summary>
    private readonly record struct Inbound(XElement? Stanza, ExceptionDispatchInfo? Failure);

    /// <summary>Reads stanzas into <paramref name="inbox"/> until the stream ends or fails; the end or the failure is its last item.</summary>
    private static async Task ReadAheadAsync(XmppStreamReader reader, ChannelWriter<Inbound> inbox, CancellationToken serving)
    {
        try
        {
            while (true)
            {
                Inbound next;
                try
                {
                    next = new Inbound(await reader.ReadStanzaAsync(), null);
                }
                catch (Exception e)
                {
                    next = new Inbound(null, ExceptionDispatchInfo.Capture(e));
                }
                await inbox.WriteAsync(next, serving);
                if (next.Stanza is null) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The stream stopped serving (ended, or its transport dropped): nobody reads what is left.
        }
    }

    /// <summary>
    /// Pings a client that has been silent for half the heartbeat timeout (XEP-0199), so an idle but live client answers
    /// and stays; one that does not answer is closed by the gateway's heartbeat monitor like a silent WebSocket.
    /// </summary>
    private async Task KeepAliveAsync()
    {
        var timeout = _services.Server.HeartbeatTimeout;
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                await Task.Delay(timeout / 4, _services.Time, _closed.Token);
                if (_transportDead || _services.Time.GetElapsedTime(_connection!.LastReceived) < timeout / 2) continue;
                await WriteAsync(new XElement(Client + "iq", new XAttribute("type", "get"), new XAttribute("id", $"ping-{++_pingId}"),
                    new XAttribute("from", Domain), new XAttribute("to", FullJid), new XElement(PingNs + "ping")));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private Task HandleStanzaAsync(XElement stanza)
    {
        if (stanza.Name == Client + "iq") return HandleIqAsync(stanza);
        if (stanza.Name == Client + "message") return HandleMessageAsync(stanza);
        if (stanza.Name == Client + "presence") return HandlePresenceAsync(stanza);
        throw new XmppStreamException("unsupported-stanza-type", $"<{stanza.Name.LocalName}/> is not supported here.");
    }

    // ---- iq ----

    private async Task HandleIqAsync(XElement iq)
    {
        var type = (string?)iq.Attribute("type");
        if (type is "result" or "error") return; // answers to our pings
        var payload = iq.Elements().FirstOrDefault();
        if (type is not ("get" or "set") || (string?)iq.Attribute("id") is null || payload is null || iq.Elements().Count() != 1)
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", null));
            return;
        }
        var to = (string?)iq.Attribute("to");
        if (ChatRoomOf(to) is { } chatRoom)
        {
            await ChatRoomIqAsync(iq, type, payload, chatRoom);
            return;
        }
        if (IsMucService(to) || RoomOf(to) is not null)
        {
            await MucIqAsync(iq, type, payload, RoomOf(to));
            return;
        }
        if (IsUploadService(to))
        {
            await UploadIqAsync(iq, type, payload);
            return;
        }
        var toServer = to is null || string.Equals(to, Domain, StringComparison.OrdinalIgnoreCase);
        var toSelf = to is not null && Jid.Parse(to) is { } jid && jid.NumberAt(Domain) == _userId;
        if (payload.Name == VCard + "vCard")
        {
            await VCardAsync(iq, type, payload, to);
            return;
        }
        if (!toServer && !toSelf && type == "get" && payload.Name == DiscoInfo + "query" && Jid.Parse(to) is { Resource: ContactResource } contact && contact.NumberAt(Domain) is not null)
        {
            // A contact's capabilities (XEP-0115: their presence names node#ver): what Penguin's clients do.
            var node = (string?)payload.Attribute("node");
            await WriteAsync(node is null || node == $"{XmppCaps.Node}#{XmppCaps.ContactVer}" ? Result(iq, XmppCaps.Answer(XmppCaps.Contact, node)) : IqError(iq, "cancel", "item-not-found", null));
            return;
        }
        if (!toServer && !toSelf)
        {
            // Penguin users are reached through the server's services: an iq to a contact is not routed.
            await WriteAsync(IqError(iq, "cancel", "service-unavailable", null));
            return;
        }
        var ns = payload.Name.Namespace;
        switch (type, payload.Name.LocalName)
        {
            case ("get", "query") when ns == Roster:
                // Roster versioning: an up-to-date version gets an empty result; pushes carry the new one.
                var roster = await RosterAsync();
                await WriteAsync(Result(iq, (string?)payload.Attribute("ver") == (string?)roster.Attribute("ver") ? null : roster));
                break;
            case (_, "blocklist" or "block" or "unblock") when ns == Blocking:
                await BlockingAsync(iq, payload);
                break;
            case ("set", "invisible" or "visible") when ns == Invisible:
                await InvisibleAsync(iq, payload.Name.LocalName == "invisible");
                break;
            case ("set", "query") when ns == Roster:
                await RosterSetAsync(iq, payload);
                break;
            case ("get", "ping") when ns == PingNs:
                await WriteAsync(Result(iq, null));
                break;
            case ("get", "query") when ns == DiscoInfo && (string?)payload.Attribute("node") is not { } node:
                await WriteAsync(Result(iq, toServer ? XmppCaps.Server : XmppCaps.Account));
                break;
            case ("get", "query") when ns == DiscoInfo && toServer && (string?)payload.Attribute("node") == $"{XmppCaps.Node}#{XmppCaps.ServerVer}":
                await WriteAsync(Result(iq, XmppCaps.Answer(XmppCaps.Server, (string?)payload.Attribute("node"))));
                break;
            case ("get", "query") when ns == DiscoItems:
                await WriteAsync(Result(iq, toServer
                    ? new XElement(DiscoItems + "query", new XElement(DiscoItems + "item", new XAttribute("jid", MucService), new XAttribute("name", "Groups / 群")),
                        new XElement(DiscoItems + "item", new XAttribute("jid", UploadService), new XAttribute("name", "Files / 文件")))
                    : new XElement(DiscoItems + "query")));
                break;
            case ("get", "query") when ns == VersionNs && toServer:
                await WriteAsync(Result(iq, new XElement(VersionNs + "query", new XElement(VersionNs + "name", "Penguin"),
                    new XElement(VersionNs + "version", typeof(XmppConnection).Assembly.GetName().Version?.ToString(3) ?? "1.0"))));
                break;
            case ("set", "enable" or "disable") when ns == Carbons:
                _carbons = payload.Name.LocalName == "enable";
                await WriteAsync(Result(iq, null));
                break;
            case ("set", "query") when ns == Mam:
                await MamQueryAsync(iq, payload);
                break;
            case ("get", "query") when ns == Mam:
                await WriteAsync(Result(iq, MamForm()));
                break;
            case ("set", "session") when ns == Session:
                await WriteAsync(Result(iq, null));
                break;
            case ("set", "bind") when ns == Bind:
                await WriteAsync(IqError(iq, "cancel", "not-allowed", "Already bound / 已绑定"));
                break;
            default:
                await WriteAsync(IqError(iq, "cancel", "service-unavailable", null));
                break;
        }
    }

    // ---- Roster (RFC 6121 §2) ↔ buddy list ----

    private async Task<XElement> RosterAsync()
    {
        var list = await _services.Social.GetBuddyListAsync(_userId, _closed.Token);
        var groups = list.Groups.ToDictionary(g => g.Id, g => g.Name);
        var query = new XElement(Roster + "query");
        foreach (var friend in list.Friends)
            query.Add(RosterItem(friend.Profile.Number, friend.Remark ?? friend.Profile.Nickname, groups.GetValueOrDefault(friend.GroupId)));
        query.SetAttributeValue("ver", RosterVersion(query));
        return query;
    }

    private XElement RosterItem(long number, string? name, string? group, string subscription = "both") =>
        new(Roster + "item", new XAttribute("jid", Jid.Bare(number, Domain)), name is null ? null : new XAttribute("name", name),
            new XAttribute("subscription", subscription), group is null ? null : new XElement(Roster + "group", group));

    /// <summary>A roster set changes the friend's remark (name) and buddy group (the first group named), or removes the friend.</summary>
    private async Task RosterSetAsync(XElement iq, XElement query)
    {
        var items = query.Elements(Roster + "item").ToList();
        if (items.Count != 1 || Jid.Parse((string?)items[0].Attribute("jid")) is not { } jid || jid.NumberAt(Domain) is not { } number || jid.Resource is not null)
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", null));
            return;
        }
        var item = items[0];
        if ((string?)item.Attribute("subscription") == "remove")
        {
            var removed = await _services.Social.RemoveFriendAsync(_userId, number, _closed.Token);
            await WriteAsync(removed.IsOk ? Result(iq, null) : IqError(iq, "cancel", "item-not-found", TextOf(removed.Error)));
            return;
        }
        long? groupId = null;
        if (item.Element(Roster + "group")?.Value is { Length: > 0 } groupName)
        {
            var groups = await _services.Social.GetGroupsAsync(_userId, _closed.Token);
            if (groups.FirstOrDefault(g => g.Name == groupName) is not { } group)
            {
                var created = await _services.Social.CreateGroupAsync(_userId, groupName, _closed.Token);
                if (!created.IsOk)
                {
                    await WriteAsync(IqError(iq, "modify", "not-acceptable", TextOf(created.Error)));
                    return;
                }
                group = created.Value.First(g => g.Name == groupName);
            }
            groupId = group.Id;
        }
        var remark = (string?)item.Attribute("name");
        var updated = await _services.Social.UpdateFriendAsync(_userId, number, new UpdateFriendRequest(groupId, remark), _closed.Token);
        // Adding someone who is not a friend yet goes through a subscription request (presence type='subscribe').
        await WriteAsync(updated.IsOk ? Result(iq, null) : IqError(iq, "cancel", "item-not-found", TextOf(updated.Error)));
    }

    // ---- Presence (RFC 6121 §4) ↔ presence ----

    private async Task HandlePresenceAsync(XElement presence)
    {
        var type = (string?)presence.Attribute("type");
        var to = (string?)presence.Attribute("to");
        if (ChatRoomOf(to) is { } chatRoom)
        {
            await ChatRoomPresenceAsync(presence, chatRoom);
            return;
        }
        if (RoomOf(to) is { } room)
        {
            await RoomPresenceAsync(presence, room);
            return;
        }
        if (type is "subscribe" or "subscribed" or "unsubscribe" or "unsubscribed")
        {
            await SubscriptionAsync(type, to, presence);
            return;
        }
        if (type == "probe")
        {
            if (Jid.Parse(to)?.NumberAt(Domain) is { } probed
                && (await _services.Presence.GetFriendsAsync(_userId, _closed.Token)).FirstOrDefault(f => f.Number == probed) is { } friend)
                await WriteAsync(await PresenceStanzaAsync(friend));
            return;
        }
        if (to is not null || type is "error") return; // directed presence is not routed
        var session = _session!;
        if (type == "unavailable")
        {
            _available = false;
            await _services.Presence.RemoveDeviceAsync(_userId, session.SessionId, _closed.Token);
            return;
        }
        if (type is not null) return;
        var status = _invisible ? PresenceStatus.Invisible : StatusOf(presence.Element(Client + "show")?.Value);
        if (!_available)
        {
            // Initial presence: the friends' presence first (the probe answers), then ours goes out to them.
            await LoadContactAvatarsAsync(); // before presence flows: every contact presence then carries its photo hash
            _available = true;
            foreach (var friend in await _services.Presence.GetFriendsAsync(_userId, _closed.Token))
                if (friend.Status > PresenceStatus.Invisible) await WriteAsync(await PresenceStanzaAsync(friend));
        }
        await _services.Presence.SetDeviceAsync(_userId, new DevicePresence(session.SessionId, session.Device, status), _closed.Token);
        // The user's own presence comes back to the resource that sent it (RFC 6121 §4.4.2).
        var echo = new XElement(presence);
        echo.SetAttributeValue("from", FullJid);
        echo.SetAttributeValue("to", FullJid);
        await WriteAsync(echo);
    }

    /// <summary>XMPP's show → Penguin's status: none or "chat" online, "away" and "xa" away, "dnd" do-not-disturb.</summary>
    internal static PresenceStatus StatusOf(string? show) => show?.Trim() switch
    {
        "away" or "xa" => PresenceStatus.Away,
        "dnd" => PresenceStatus.DoNotDisturb,
        _ => PresenceStatus.Online,
    };

    /// <summary>Penguin's status → XMPP's show: online none, away "away", busy "xa" (with 忙碌 as status text), do-not-disturb "dnd".</summary>
    internal static (string? Show, string? Status) ShowOf(PresenceStatus status) => status switch
    {
        PresenceStatus.Away => ("away", null),
        PresenceStatus.Busy => ("dnd", "忙碌 Busy"),
        PresenceStatus.DoNotDisturb => ("dnd", null),
        _ => (null, null),
    };

    /// <summary>A contact's presence; an available one carries their entity capabilities and avatar hash (XEP-0115, XEP-0153).</summary>
    private async Task<XElement> PresenceStanzaAsync(UserPresence presence)
    {
        _contactPresence[presence.Number] = presence;
        var stanza = new XElement(Client + "presence", new XAttribute("from", ContactJid(presence.Number)), new XAttribute("to", FullJid));
        if (presence.Status <= PresenceStatus.Invisible)
        {
            stanza.Add(new XAttribute("type", "unavailable"));
            return stanza;
        }
        var (show, text) = ShowOf(presence.Status);
        if (show is not null) stanza.Add(new XElement(Client + "show", show));
        if (text is not null) stanza.Add(new XElement(Client + "status", text));
        stanza.Add(XmppCaps.Element(XmppCaps.ContactVer));
        if (await PhotoHashAsync(presence.Number) is { } photo) stanza.Add(new XElement(VCardUpdate + "x", new XElement(VCardUpdate + "photo", photo)));
        return stanza;
    }

    /// <summary>Subscription requests are friend requests: subscribe asks (its status is the verification message), subscribed accepts, unsubscribed declines, unsubscribe ends the friendship.</summary>
    private async Task SubscriptionAsync(string type, string? to, XElement presence)
    {
        if (Jid.Parse(to)?.NumberAt(Domain) is not { } other || other == _userId) return;
        switch (type)
        {
            case "subscribe":
                var message = presence.Element(Client + "status")?.Value;
                var sent = await _services.Social.SendRequestAsync(_userId, new SendFriendRequest(other, string.IsNullOrWhiteSpace(message) ? null : message), _closed.Token);
                if (!sent.IsOk) await WriteAsync(StanzaError(presence, "cancel", "not-allowed", sent.Error));
                break;
            case "subscribed":
            case "unsubscribed":
                var pending = (await _services.Social.ListRequestsAsync(_userId, _closed.Token)).Incoming
                    .FirstOrDefault(r => r.From.Number == other && r.State == FriendRequestState.Pending);
                if (pending is null) return;
                if (type == "subscribed") await _services.Social.AcceptRequestAsync(_userId, pending.Id, null, _closed.Token);
                else await _services.Social.DeclineRequestAsync(_userId, pending.Id, _closed.Token);
                break;
            case "unsubscribe":
                await _services.Social.RemoveFriendAsync(_userId, other, _closed.Token);
                break;
        }
    }

    // ---- Messages (RFC 6121 §5) ↔ one-to-one chat ----

    private async Task HandleMessageAsync(XElement message)
    {
        var type = (string?)message.Attribute("type") ?? "normal";
        if (type == "error") return;
        if (ChatRoomOf((string?)message.Attribute("to")) is { } chatRoom)
        {
            await ChatRoomMessageAsync(message, chatRoom);
            return;
        }
        if (RoomOf((string?)message.Attribute("to")) is { } room)
        {
            await RoomMessageAsync(message, room);
            return;
        }
        if (Jid.Parse((string?)message.Attribute("to")) is not { } jid)
        {
            await WriteAsync(StanzaError(message, "modify", "jid-malformed", null));
            return;
        }
        if (jid.Domain != Domain)
        {
            await WriteAsync(StanzaError(message, "cancel", "remote-server-not-found", null));
            return;
        }
        if (jid.NumberAt(Domain) is not { } to || type == "groupchat")
        {
            await WriteAsync(StanzaError(message, "cancel", "service-unavailable", null));
            return;
        }
        if (await HandleExtensionAsync(message, to)) return;
        var body = message.Element(Client + "body")!.Value;
        var clientId = ClientIdOf(message);
        RememberSent(clientId, new SentHere(to, message.Element(Receipts + "request") is not null, message.Element(Markers + "markable") is not null));
        var sent = await _services.Messaging.SendAsync(_userId, new SendMessage(to, clientId, body), _closed.Token);
        if (sent.IsOk)
        {
            // XEP-0359: the sender learns the id the archive gave its message (the stanza-id MAM and retraction use).
            var stored = sent.Value.Message;
            var reply = new LeanStanza().Raw("<message xmlns='jabber:client' type='chat'"u8);
            if ((string?)message.Attribute("id") is { } sentId) reply.Raw(" id='"u8).Text(sentId).Raw("'"u8);
            await WriteAsync(reply.Raw(" from='"u8).Text(BareJid).Raw("' to='"u8).Text(FullJid)
                .Raw("'><stanza-id xmlns='urn:xmpp:sid:0' id='"u8).Number(stored.Id).Raw("' by='"u8).Text(BareJid)
                .Raw("'/><origin-id xmlns='urn:xmpp:sid:0' id='"u8).Text(stored.ClientId).Raw("'/></message>"u8));
        }
        else
        {
            var condition = sent.Error.Code == Errors.NotFound.Code ? "item-not-found"
                : sent.Error.Code == Errors.RateLimited.Code ? "resource-constraint"
                : sent.Error.Code == Errors.MessageRefused.Code ? "not-acceptable"
                : "bad-request";
            await WriteAsync(StanzaError(message, condition == "resource-constraint" ? "wait" : "cancel", condition, sent.Error));
        }
    }

    /// <summary>
    /// The idempotency key of a send: XEP-0359's origin-id, else the stanza id (both are the client's), else a fresh
    /// one. Keys longer than Penguin's client id are hashed into it, so a retry still maps to the same key.
    /// </summary>
    private static string ClientIdOf(XElement message)
    {
        var key = (string?)message.Element(StanzaId + "origin-id")?.Attribute("id") ?? (string?)message.Attribute("id");
        if (string.IsNullOrWhiteSpace(key)) return "xmpp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return ClientIdOf(key);
    }

    private static string ClientIdOf(string key) =>
        key.Length <= Limits.ClientIdMaxLength ? key : "xmpp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..48];

    // ---- Penguin's events → stanzas (called by the connection's pump, in seq order) ----

    internal async Task DeliverAsync(ServerFrame frame, CancellationToken cancellationToken)
    {
        switch (frame)
        {
            case MessageReceived { Message: var m } when m.From != _userId && !m.Recalled && m.Text is not null:
                await WriteAsync(ChatStanza(m));
                break;
            case MessageReceived { Message: var own } when own.From == _userId:
                await OwnMessageAsync(own);
                break;
            case MessageReceipt receipt:
                await ReceiptAsync(receipt);
                break;
            case ConversationRead read:
                await ConversationReadAsync(read);
                break;
            case BlocksChanged blocks:
                await BlocksChangedAsync(blocks);
                break;
            case MessageRecalled recalled:
                await RecalledAsync(recalled);
                break;
            case PresenceChanged { Presence: var p } when p.Number != _userId && _available:
                await WriteAsync(await PresenceStanzaAsync(p));
                break;
            case PresenceSnapshot snapshot when _available:
                foreach (var p in snapshot.Friends.Where(f => f.Status > PresenceStatus.Invisible)) await WriteAsync(await PresenceStanzaAsync(p));
                break;
            case ProfileUpdated { Profile: var profile } when profile.Number != _userId:
                await ContactProfileUpdatedAsync(profile);
                break;
            case TypingChanged typing:
                await WriteAsync(new XElement(Client + "message", new XAttribute("type", "chat"), new XAttribute("from", ContactJid(typing.From)), new XAttribute("to", FullJid),
                    new XElement(ChatStates + (typing.Active ? "composing" : "paused"))));
                break;
            case FriendAdded added:
                _contactAvatars[added.Profile.Number] = added.Profile.Avatar;
                var groups = await _services.Social.GetGroupsAsync(_userId, cancellationToken);
                await RosterPushAsync(RosterItem(added.Profile.Number, added.Remark ?? added.Profile.Nickname, groups.FirstOrDefault(g => g.Id == added.GroupId)?.Name));
                break;
            case FriendUpdated updated:
                var all = await _services.Social.GetGroupsAsync(_userId, cancellationToken);
                var friend = await _services.Accounts.GetUserAsync(updated.Number, cancellationToken);
                await RosterPushAsync(RosterItem(updated.Number, updated.Remark ?? friend?.Nickname, all.FirstOrDefault(g => g.Id == updated.GroupId)?.Name));
                break;
            case GroupMessageReceived or GroupUpdated or GroupLeft or GroupMembershipChanged or GroupMemberChanged or GroupMemberLeft:
                await GroupFrameAsync(frame);
                break;
            case RoomMessageReceived or RoomPersonEntered or RoomPersonLeft or RoomRemoved:
                await ChatRoomFrameAsync(frame);
                break;
            case FriendRemoved removed:
                await RosterPushAsync(RosterItem(removed.Number, null, null, "remove"));
                break;
            case FriendRequested { Request: var request } when request.To.Number == _userId:
                await WriteAsync(new XElement(Client + "presence", new XAttribute("type", "subscribe"), new XAttribute("from", Jid.Bare(request.From.Number, Domain)),
                    new XAttribute("to", Jid.Bare(_userId, Domain)), new XElement(Client + "status", request.Message)));
                break;
        }
        // The resource holds the event now: messages up to here count as delivered, as when a WebSocket device acks.
        if (frame is DurableEvent { Seq: > 0 } durable) _services.Messaging.Acknowledge(_userId, durable.Seq);
    }

    /// <summary>A message from a contact, the hottest stanza out: written without a DOM.</summary>
    private LeanStanza ChatStanza(Message m)
    {
        var stanza = new LeanStanza().Raw("<message xmlns='jabber:client' type='chat' id='penguin-"u8).Number(m.Id)
            .Raw("' from='"u8).Text(ContactJid(m.From)).Raw("' to='"u8).Text(FullJid)
            .Raw("'><body>"u8).Text(m.Text).Raw("</body><stanza-id xmlns='urn:xmpp:sid:0' id='"u8).Number(m.Id).Raw("' by='"u8).Text(BareJid)
            .Raw("'/><markable xmlns='urn:xmpp:chat-markers:0'/>"u8);
        // An old message (offline delivery) says when it was sent (XEP-0203).
        if (_services.Time.GetUtcNow() - m.SentAt > TimeSpan.FromSeconds(10))
            stanza.Raw("<delay xmlns='urn:xmpp:delay' from='"u8).Text(Domain).Raw("' stamp='"u8)
                .Text(m.SentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Raw("'/>"u8);
        return stanza.Raw("</message>"u8);
    }

    private async Task RosterPushAsync(XElement item)
    {
        var ver = (string?)(await RosterAsync()).Attribute("ver");
        await WriteAsync(new XElement(Client + "iq", new XAttribute("type", "set"), new XAttribute("id", $"push-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}"),
            new XAttribute("to", FullJid), new XElement(Roster + "query", new XAttribute("ver", ver ?? ""), item)));
    }

    // ---- Replies ----

    private static XElement Result(XElement iq, XElement? payload)
    {
        var result = new XElement(Client + "iq", new XAttribute("type", "result"), new XAttribute("id", (string?)iq.Attribute("id") ?? ""), payload);
        if ((string?)iq.Attribute("to") is { } from) result.SetAttributeValue("from", from);
        return result;
    }

    private static XElement IqError(XElement iq, string type, string condition, string? text) => ErrorReply(iq, type, condition, text);

    private static string TextOf(Error error) => $"{error.Message} / {error.MessageZh}";

    private static XElement StanzaError(XElement stanza, string type, string condition, Error? error) =>
        ErrorReply(stanza, type, condition, error is null ? null : $"{error.Message} / {error.MessageZh}");

    /// <summary>The stanza back with type='error' and the condition (RFC 6120 §8.3), its payload left out.</summary>
    private static XElement ErrorReply(XElement stanza, string type, string condition, string? text)
    {
        var reply = new XElement(stanza.Name, new XAttribute("type", "error"));
        if ((string?)stanza.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        if ((string?)stanza.Attribute("to") is { } from) reply.SetAttributeValue("from", from);
        reply.Add(new XElement(Client + "error", new XAttribute("type", type), new XElement(Stanzas + condition),
            text is null ? null : new XElement(Stanzas + "text", text)));
        return reply;
    }
}
