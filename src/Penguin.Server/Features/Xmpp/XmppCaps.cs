using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0030 disco#info of the server, of an account, and of a Penguin contact (what every Penguin user's client does),
/// and XEP-0115 entity capabilities: the server's in the stream features, a contact's in their presence, each answered
/// by disco#info on <c>node#ver</c>. The answers never change while the node runs, so they are built once.
/// </summary>
internal static class XmppCaps
{
    public const string Node = "https://github.com/penguin-im/penguin";

    public static readonly XElement Server = Info(["server", "im", "Penguin"],
        DiscoInfo, DiscoItems, Caps, PingNs, StanzaId, VersionNs, Roster, Carbons, Receipts, Markers, ChatStates, Retract, Retract0, Mam,
        Blocking, Invisible, VCard);

    public static readonly XElement Account = Info(["account", "registered", null], DiscoInfo, Mam, StanzaId, VCard);

    /// <summary>A Penguin user as a contact sees them (the resource /penguin): what the native clients do.</summary>
    public static readonly XElement Contact = Info(["client", "pc", "Penguin"], DiscoInfo, Caps, ChatStates, Receipts, Markers, Retract, StanzaId);

    public static readonly string ServerVer = Ver(Server);
    public static readonly string ContactVer = Ver(Contact);

    /// <summary>The caps element for stream features or presence.</summary>
    public static XElement Element(string ver) =>
        new(Caps + "c", new XAttribute("hash", "sha-1"), new XAttribute("node", Node), new XAttribute("ver", ver));

    /// <summary>The disco#info answer, naming <paramref name="node"/> when the query named one.</summary>
    public static XElement Answer(XElement info, string? node)
    {
        var answer = new XElement(info);
        if (node is not null) answer.SetAttributeValue("node", node);
        return answer;
    }

    private static XElement Info(string?[] identity, params XNamespace[] features)
    {
        var query = new XElement(DiscoInfo + "query", new XElement(DiscoInfo + "identity",
            new XAttribute("category", identity[0]!), new XAttribute("type", identity[1]!), identity[2] is { } name ? new XAttribute("name", name) : null));
        foreach (var feature in features) query.Add(new XElement(DiscoInfo + "feature", new XAttribute("var", feature.NamespaceName)));
        return query;
    }

    /// <summary>XEP-0115 §5.1: identities "category/type/lang/name&lt;", then features "var&lt;", each sorted; SHA-1, base64.</summary>
    internal static string Ver(XElement info)
    {
        var text = new StringBuilder();
        foreach (var identity in info.Elements(DiscoInfo + "identity")
                     .Select(i => $"{(string?)i.Attribute("category")}/{(string?)i.Attribute("type")}/{(string?)i.Attribute(XNamespace.Xml + "lang")}/{(string?)i.Attribute("name")}<")
                     .Order(StringComparer.Ordinal))
            text.Append(identity);
        foreach (var feature in info.Elements(DiscoInfo + "feature").Select(f => (string?)f.Attribute("var") + "<").Order(StringComparer.Ordinal))
            text.Append(feature);
#pragma warning disable CA5350 // XEP-0115 names SHA-1 for the verification string; it identifies, it protects nothing.
        return Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(text.ToString())));
#pragma warning restore CA5350
    }
}
