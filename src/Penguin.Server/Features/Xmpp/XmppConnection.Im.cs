using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using Penguin.Core.Messaging;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The IM extensions over native messaging: XEP-0184 receipts and XEP-0333 markers ↔ delivered/read, XEP-0424
/// retraction ↔ recall, XEP-0280 carbons, the XEP-0359 stanza-id echo, and XEP-0313 MAM over the native history.
/// Every change goes through <see cref="MessagingService"/>; the store is only read, and only the user's own conversations.
/// </summary>
internal sealed partial class XmppConnection
{
    /// <summary>How far back a marker, a retraction or a MAM page looks for a message of a conversation.</summary>
    private const int ScanPages = 10;

    private const int ScanPage = 100;

    private volatile bool _carbons;

    /// <summary>
    /// Client ids this stream sent (bounded), with the peer and what the message asked for: its own echo is the
    /// stanza-id reply, not a carbon; a receipt (XEP-0184) or marker (XEP-0333) goes only to a message that asked.
    /// </summary>
    private readonly ConcurrentDictionary<string, SentHere> _sentHere = new(StringComparer.Ordinal);

    private readonly ConcurrentQueue<string> _sentOrder = new();

    /// <summary>A message this stream sent: to whom, and whether it asked for a receipt (<c>&lt;request/&gt;</c>) or markers (<c>&lt;markable/&gt;</c>).</summary>
    private readonly record struct SentHere(long Peer, bool Receipt, bool Markable);

    /// <summary>Messages this stream retracted: the recall event is not sent back to it.</summary>
    private readonly ConcurrentDictionary<long, byte> _retractedHere = new();

    /// <summary>Per peer, the highest own message seq already acknowledged to this resource as received / displayed.</summary>
    private readonly ConcurrentDictionary<long, long> _receiptCursor = new();

    private readonly ConcurrentDictionary<long, long> _markerCursor = new();

    private string BareJid => Jid.Bare(_userId, Domain);

    private void RememberSent(string clientId, SentHere sent)
    {
        if (!_sentHere.TryAdd(clientId, sent)) return;
        _sentOrder.Enqueue(clientId);
        while (_sentOrder.Count > 256 && _sentOrder.TryDequeue(out var old)) _sentHere.TryRemove(old, out _);
    }

    /// <summary>
    /// A message without a body for Penguin's purposes: a retraction (which carries a fallback body), a marker, a
    /// receipt or a chat state. True when it was one of them (handled); false for an ordinary chat message.
    /// </summary>
    private async Task<bool> HandleExtensionAsync(XElement message, long to)
    {
        var retract = message.Element(Retract + "retract");
        var retractId = (string?)retract?.Attribute("id");
        if (message.Element(Fasten + "apply-to") is { } applyTo && applyTo.Element(Retract0 + "retract") is not null)
            retractId = (string?)applyTo.Attribute("id");
        if (retract is not null || retractId is not null)
        {
            await RetractAsync(message, to, retractId);
            return true;
        }
        if (message.Element(Client + "body") is not null) return false;

        // XEP-0333: displayed (and acknowledged) marks the conversation read up to that message.
        if ((message.Element(Markers + "displayed") ?? message.Element(Markers + "acknowledged")) is { } marker)
        {
            if ((string?)marker.Attribute("id") is { } id && await FindReceivedAsync(to, id) is { } read)
                await _services.Messaging.MarkReadAsync(_userId, to, read.Seq, _closed.Token);
            return true;
        }
        // XEP-0184 <received/> and XEP-0333 <received/>: the message already counted as delivered when this stream
        // took it (as a native device's ack does), so the acknowledgement changes nothing more.
        if (message.Element(Receipts + "received") is not null || message.Element(Markers + "received") is not null) return true;

        // XEP-0085: composing is typing on; active, paused, inactive and gone are typing off.
        if (message.Elements().FirstOrDefault(e => e.Name.Namespace == ChatStates) is { } state && to != _userId)
            await _services.Messaging.SetTypingAsync(_userId, to, state.Name.LocalName == "composing", _closed.Token);
        return true;
    }

    // ---- XEP-0424 retraction → recall ----

    private async Task RetractAsync(XElement message, long to, string? id)
    {
        var target = id is null ? null : await FindOwnAsync(to, id);
        if (target is null)
        {
            await WriteAsync(StanzaError(message, "cancel", "item-not-found", Errors.NotFound));
            return;
        }
        _retractedHere.TryAdd(target.Id, 0);
        var recalled = await _services.Messaging.RecallAsync(_userId, target.Id, _closed.Token);
        if (recalled.IsOk || recalled.Error.Code == Errors.RequestClosed.Code) return; // recalled now, or already
        _retractedHere.TryRemove(target.Id, out _);
        var condition = recalled.Error.Code == Errors.RecallExpired.Code ? "not-allowed" : "item-not-found";
        await WriteAsync(StanzaError(message, "cancel", condition, recalled.Error));
    }

    /// <summary>The user's own message to <paramref name="peer"/> an XMPP id names: its origin-id / id (the client id), or Penguin's id.</summary>
    private async Task<MessageRecord?> FindOwnAsync(long peer, string id)
    {
        var byClientId = await _services.Messages.FindSentAsync(_userId, ClientIdOf(id), _closed.Token);
        if (byClientId is not null) return byClientId.RecipientId == peer ? byClientId : null;
        return PenguinIdOf(id) is { } messageId ? await ScanAsync(peer, m => m.Id == messageId && m.SenderId == _userId) : null;
    }

    /// <summary>A message from <paramref name="peer"/> that this user received, by the id it was delivered with ("penguin-N") or its stanza-id.</summary>
    private async Task<MessageRecord?> FindReceivedAsync(long peer, string id) =>
        PenguinIdOf(id) is { } messageId ? await ScanAsync(peer, m => m.Id == messageId && m.SenderId == peer) : null;

    private static long? PenguinIdOf(string id)
    {
        var digits = id.StartsWith("penguin-", StringComparison.Ordinal) ? id["penguin-".Length..] : id;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Looks through the conversation's latest messages (newest first, within <see cref="ScanPages"/> pages).</summary>
    private async Task<MessageRecord?> ScanAsync(long peer, Func<MessageRecord, bool> match)
    {
        var before = long.MaxValue;
        for (var i = 0; i < ScanPages; i++)
        {
            var page = await _services.Messages.HistoryAsync(_userId, peer, before, ScanPage, _closed.Token);
            foreach (var m in page)
                if (match(m)) return m;
            if (page.Count < ScanPage) return null;
            before = page[^1].Seq;
        }
        return null;
    }

    // ---- Native events → receipts, markers, carbons, retractions ----

    /// <summary>The user's own message, stored: the stream that sent it learns its stanza-id; other resources with carbons get a copy.</summary>
    private async Task OwnMessageAsync(Message m)
    {
        if (_sentHere.ContainsKey(m.ClientId) || !_carbons || m.Recalled || m.Text is null) return;
        await WriteAsync(Carbon("sent", OwnStanza(m.To, m.ClientId,
            new XElement(Client + "body", m.Text),
            new XElement(StanzaId + "origin-id", new XAttribute("id", m.ClientId)),
            new XElement(StanzaId + "stanza-id", new XAttribute("id", m.Id.ToString(CultureInfo.InvariantCulture)), new XAttribute("by", BareJid)))));
    }

    /// <summary>A message the user's account sent, as it appears inside a carbon: from the account, to the peer.</summary>
    private XElement OwnStanza(long peer, string id, params object[] content) =>
        new(Client + "message", new XAttribute("type", "chat"), new XAttribute("id", id), new XAttribute("from", BareJid),
            new XAttribute("to", Jid.Bare(peer, Domain)), content);

    /// <summary>XEP-0280: the copy of a stanza another device of the account sent (or received).</summary>
    private XElement Carbon(string direction, XElement inner) =>
        new(Client + "message", new XAttribute("type", "chat"), new XAttribute("from", BareJid), new XAttribute("to", FullJid),
            new XElement(Carbons + direction, new XElement(Forward + "forwarded", inner)));

    /// <summary>
    /// The peer's devices took (delivered) or read the user's messages: XEP-0184 receipts for each newly delivered
    /// one and a XEP-0333 displayed marker for the last read one, each naming the id the message was sent with — only
    /// for messages this stream sent that asked for them (<c>&lt;request/&gt;</c>, <c>&lt;markable/&gt;</c>), as the
    /// XEPs say; a stream whose messages asked for neither costs no look-up.
    /// </summary>
    private async Task ReceiptAsync(MessageReceipt receipt)
    {
        var delivered = _receiptCursor.GetValueOrDefault(receipt.Peer);
        var read = _markerCursor.GetValueOrDefault(receipt.Peer);
        if (receipt.DeliveredSeq <= delivered && receipt.ReadSeq <= read) return;
        // Nothing this stream sent to the peer asked for a receipt or markers: nothing to look up or send.
        if (!_sentHere.Any(e => e.Value.Peer == receipt.Peer && (e.Value.Receipt || e.Value.Markable))) return; // no snapshot of the values
        var upTo = Math.Max(receipt.DeliveredSeq, receipt.ReadSeq);
        var page = await _services.Messages.HistoryAsync(_userId, receipt.Peer, upTo + 1, 20, _closed.Token);
        var own = page.Where(m => m.SenderId == _userId && m.RecalledAt is null).OrderBy(m => m.Seq).ToList();
        bool Asked(MessageRecord m, Func<SentHere, bool> what) => _sentHere.TryGetValue(m.ClientId, out var sent) && what(sent);
        foreach (var m in own.Where(m => m.Seq > delivered && m.Seq <= receipt.DeliveredSeq && Asked(m, s => s.Receipt)))
            await WriteAsync(new XElement(Client + "message", new XAttribute("type", "chat"), new XAttribute("id", $"receipt-{m.Id}"),
                new XAttribute("from", ContactJid(receipt.Peer)), new XAttribute("to", FullJid),
                new XElement(Receipts + "received", new XAttribute("id", m.ClientId))));
        if (receipt.ReadSeq > read && own.LastOrDefault(m => m.Seq <= receipt.ReadSeq && Asked(m, s => s.Markable)) is { } last && last.Seq > read)
            await WriteAsync(new XElement(Client + "message", new XAttribute("type", "chat"), new XAttribute("id", $"marker-{last.Id}"),
                new XAttribute("from", ContactJid(receipt.Peer)), new XAttribute("to", FullJid),
                new XElement(Markers + "displayed", new XAttribute("id", last.ClientId))));
        _receiptCursor[receipt.Peer] = Math.Max(delivered, receipt.DeliveredSeq);
        _markerCursor[receipt.Peer] = Math.Max(read, receipt.ReadSeq);
    }

    /// <summary>The user read the conversation on another device: a carbon of the displayed marker, so this resource clears it too.</summary>
    private async Task ConversationReadAsync(ConversationRead read)
    {
        if (!_carbons) return;
        var page = await _services.Messages.HistoryAsync(_userId, read.Peer, read.ReadSeq + 1, 20, _closed.Token);
        if (page.FirstOrDefault(m => m.SenderId == read.Peer) is not { } last) return;
        await WriteAsync(Carbon("sent", OwnStanza(read.Peer, $"read-{last.Id}", new XElement(Markers + "displayed", new XAttribute("id", $"penguin-{last.Id}")))));
    }

    /// <summary>
    /// A recall: the peer's message is retracted (XEP-0424, with the 0.x form and a fallback body for older clients);
    /// the user's own message recalled elsewhere reaches carbon-enabled resources as a sent retraction.
    /// </summary>
    private async Task RecalledAsync(MessageRecalled recalled)
    {
        if (_retractedHere.TryRemove(recalled.Id, out _)) return;
        var page = await _services.Messages.HistoryAsync(_userId, recalled.Peer, recalled.MessageSeq + 1, 1, _closed.Token);
        var record = page.FirstOrDefault(m => m.Id == recalled.Id);
        if (record is not null && record.SenderId == _userId)
        {
            if (_carbons) await WriteAsync(Carbon("sent", OwnStanza(recalled.Peer, $"retract-{recalled.Id}", RetractionOf(record.ClientId))));
            return;
        }
        var stanza = new XElement(Client + "message", new XAttribute("type", "chat"), new XAttribute("id", $"retract-{recalled.Id}"),
            new XAttribute("from", ContactJid(recalled.Peer)), new XAttribute("to", FullJid), RetractionOf($"penguin-{recalled.Id}"));
        await WriteAsync(stanza);
    }

    private static object[] RetractionOf(string id) =>
    [
        new XElement(Retract + "retract", new XAttribute("id", id)),
        new XElement(Fasten + "apply-to", new XAttribute("id", id), new XElement(Retract0 + "retract")),
        new XElement(Fallback + "fallback", new XAttribute("for", Retract.NamespaceName)),
        new XElement(Client + "body", "撤回了一条消息 / This message was recalled"),
        new XElement(Hints + "store"),
    ];
}
