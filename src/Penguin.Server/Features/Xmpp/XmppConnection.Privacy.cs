using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Penguin.Core.Presence;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>XEP-0191 blocking ↔ native blocks, XEP-0186 invisibility ↔ native invisible, and roster versioning (RFC 6121 §2.6).</summary>
internal sealed partial class XmppConnection
{
    /// <summary>The block list as this resource last saw it; null until it asked for it (only then are changes pushed, XEP-0191 §3.3).</summary>
    private HashSet<long>? _blocked;

    private volatile bool _invisible;

    // ---- XEP-0191 ----

    private async Task BlockingAsync(XElement iq, XElement payload)
    {
        var type = (string?)iq.Attribute("type");
        if (type == "get" && payload.Name.LocalName == "blocklist")
        {
            var blocked = await _services.Social.GetBlockedAsync(_userId, _closed.Token);
            _blocked = [.. blocked];
            await WriteAsync(Result(iq, new XElement(Blocking + "blocklist", blocked.Select(n => new XElement(Blocking + "item", new XAttribute("jid", Jid.Bare(n, Domain)))))));
            return;
        }
        if (type != "set" || payload.Name.LocalName is not ("block" or "unblock"))
        {
            await WriteAsync(IqError(iq, "cancel", "service-unavailable", null));
            return;
        }
        // Every item is checked before anything changes: a bad one refuses the whole request.
        var numbers = new List<long>();
        foreach (var item in payload.Elements(Blocking + "item"))
        {
            if (Jid.Parse((string?)item.Attribute("jid")) is not { } jid || jid.NumberAt(Domain) is not { } number || number == _userId)
            {
                await WriteAsync(IqError(iq, "modify", "jid-malformed", "Block users of this server by their bare JID / 请用本服务器用户的 JID"));
                return;
            }
            numbers.Add(number);
        }
        if (payload.Name.LocalName == "block")
        {
            if (numbers.Count == 0)
            {
                await WriteAsync(IqError(iq, "modify", "bad-request", null));
                return;
            }
            foreach (var number in numbers)
            {
                var blocked = await _services.Social.BlockAsync(_userId, number, _closed.Token);
                if (!blocked.IsOk)
                {
                    await WriteAsync(IqError(iq, "cancel", "item-not-found", TextOf(blocked.Error)));
                    return;
                }
            }
        }
        else
        {
            if (numbers.Count == 0) numbers.AddRange(await _services.Social.GetBlockedAsync(_userId, _closed.Token)); // unblock all
            foreach (var number in numbers) await _services.Social.UnblockAsync(_userId, number, _closed.Token);
        }
        await WriteAsync(Result(iq, null));
    }

    /// <summary>The block list changed (here or on another device): pushes of what was added and removed, to a resource that asked for it.</summary>
    private async Task BlocksChangedAsync(BlocksChanged changed)
    {
        if (_blocked is not { } known) return;
        var now = changed.Blocked.ToHashSet();
        var added = now.Except(known).ToList();
        var removed = known.Except(now).ToList();
        _blocked = now;
        if (added.Count > 0) await BlockPushAsync("block", added);
        if (removed.Count > 0) await BlockPushAsync("unblock", removed);
    }

    private Task BlockPushAsync(string what, List<long> numbers) =>
        WriteAsync(new XElement(Client + "iq", new XAttribute("type", "set"), new XAttribute("id", $"push-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}"),
            new XAttribute("to", FullJid), new XElement(Blocking + what, numbers.Select(n => new XElement(Blocking + "item", new XAttribute("jid", Jid.Bare(n, Domain)))))));

    // ---- XEP-0186 ----

    /// <summary>Invisible: the device shows as offline to friends (native invisible) until visible again; later presence keeps it invisible.</summary>
    private async Task InvisibleAsync(XElement iq, bool invisible)
    {
        _invisible = invisible;
        var session = _session!;
        if (invisible || _available)
            await _services.Presence.SetDeviceAsync(_userId, new DevicePresence(session.SessionId, session.Device, invisible ? PresenceStatus.Invisible : PresenceStatus.Online), _closed.Token);
        await WriteAsync(Result(iq, null));
    }

    // ---- Roster versioning ----

    /// <summary>The roster's version: a digest of its items, so any change (on any device) gives a new one and an unchanged roster the same.</summary>
    private static string RosterVersion(XElement query)
    {
        var items = query.Elements(Roster + "item").Select(i => i.ToString(SaveOptions.DisableFormatting)).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', items))))[..16];
    }
}
