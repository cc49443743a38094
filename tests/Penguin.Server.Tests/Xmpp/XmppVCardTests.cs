using System.Security.Cryptography;
using System.Xml.Linq;
using Penguin.Protocol;
using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>XEP-0054 vCard ↔ profile and avatar, XEP-0153 avatar hashes, XEP-0115 capabilities, over real TCP.</summary>
public sealed class XmppVCardTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace VCard = "vcard-temp";
    private static readonly XNamespace Update = "vcard-temp:x:update";
    private static readonly XNamespace Caps = "http://jabber.org/protocol/caps";
    private static readonly XNamespace DiscoInfo = "http://jabber.org/protocol/disco#info";
    private TestServer Server => fixture.Server;

    private static async Task<XElement> IqAsync(XmppTestClient xmpp, string id, string iq)
    {
        await xmpp.SendAsync(iq);
        return await xmpp.ExpectAsync(e => e.Name.LocalName == "iq" && (string?)e.Attribute("id") == id);
    }

    [Fact]
    public async Task VCard_ShowsTheProfile_AFriendSeesMore_AStrangerOnlyWhatIsShownToStrangers()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var paris = await Server.RegisterAsync("paris");
        await romeo.BefriendAsync(juliet);
        await romeo.Rest.UpdateProfileAsync(new UpdateProfileRequest(Nickname: "罗密欧 Romeo", Signature: "月光下 <moon> & me", Birthday: new DateOnly(1996, 7, 1),
            Region: new Region("广东", "深圳")));
        await using var julietXmpp = await XmppTestClient.LoginAsync(Server, juliet.Number);
        await using var parisXmpp = await XmppTestClient.LoginAsync(Server, paris.Number);

        var friendView = (await IqAsync(julietXmpp, "v1", $"<iq type='get' id='v1' to='{romeo.Number}@localhost'><vCard xmlns='vcard-temp'/></iq>")).Element(VCard + "vCard")!;
        Assert.Equal("罗密欧 Romeo", friendView.Element(VCard + "NICKNAME")!.Value);
        Assert.Equal("罗密欧 Romeo", friendView.Element(VCard + "FN")!.Value);
        Assert.Equal("月光下 <moon> & me", friendView.Element(VCard + "DESC")!.Value);
        Assert.Equal("1996-07-01", friendView.Element(VCard + "BDAY")!.Value);
        Assert.Equal("深圳", friendView.Element(VCard + "ADR")!.Element(VCard + "LOCALITY")!.Value);
        Assert.Null(friendView.Element(VCard + "PHOTO")); // a built-in avatar: no picture on the server

        // A stranger: the birthday is not shown to strangers by default.
        var strangerView = (await IqAsync(parisXmpp, "v2", $"<iq type='get' id='v2' to='{romeo.Number}@localhost'><vCard xmlns='vcard-temp'/></iq>")).Element(VCard + "vCard")!;
        Assert.Equal("罗密欧 Romeo", strangerView.Element(VCard + "NICKNAME")!.Value);
        Assert.Null(strangerView.Element(VCard + "BDAY"));

        // No such account; nobody else's vCard can be set.
        Assert.Equal("error", (string?)(await IqAsync(julietXmpp, "v3", "<iq type='get' id='v3' to='999999999@localhost'><vCard xmlns='vcard-temp'/></iq>")).Attribute("type"));
        var forbidden = await IqAsync(julietXmpp, "v4", $"<iq type='set' id='v4' to='{romeo.Number}@localhost'><vCard xmlns='vcard-temp'><NICKNAME>hacked</NICKNAME></vCard></iq>");
        Assert.Equal("forbidden", forbidden.Element(XmppTestClient.Client + "error")!.Elements().First().Name.LocalName);
        Assert.Equal("罗密欧 Romeo", (await romeo.Rest.GetUserAsync(romeo.Number)).Nickname);
    }

    [Fact]
    public async Task VCardSet_ChangesNicknameSignatureAndAvatar_AndFriendsGetTheNewPhotoHash()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var julietXmpp = await XmppTestClient.LoginAsync(Server, juliet.Number);
        await julietXmpp.SendAsync("<presence/>");
        await using var romeoXmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await romeoXmpp.SendAsync("<presence/>");
        // (Not the subscription request of the friendship, delivered at login: an available presence.)
        var before = await julietXmpp.ExpectAsync(e => e.Name.LocalName == "presence" && e.Attribute("type") is null
            && ((string?)e.Attribute("from"))!.StartsWith($"{romeo.Number}@", StringComparison.Ordinal));
        Assert.Equal("", before.Element(Update + "x")!.Element(Update + "photo")!.Value); // built-in avatar: no picture

        var picture = Convert.ToBase64String(Pictures.Png(400, 300));
        var set = await IqAsync(romeoXmpp, "s1", $"<iq type='set' id='s1'><vCard xmlns='vcard-temp'><FN>Romeo M.</FN><NICKNAME>罗密欧</NICKNAME><DESC>新签名</DESC>" +
            $"<ORG><ORGNAME>Verona</ORGNAME></ORG><PHOTO><TYPE>image/png</TYPE><BINVAL>{picture}</BINVAL></PHOTO></vCard></iq>");
        Assert.Equal("result", (string?)set.Attribute("type"));

        var profile = await romeo.Rest.GetUserAsync(romeo.Number);
        Assert.Equal("罗密欧", profile.Nickname);
        Assert.Equal("新签名", profile.Signature);
        Assert.StartsWith("/api/v1/avatars/", profile.Avatar, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        var avatar = await http.GetByteArrayAsync(profile.Avatar.TrimStart('/'));
        Assert.Equal((256, 256), Pictures.Size(avatar)); // made as from an HTTP upload: a bounded square JPEG

        // Own vCard: the avatar's JPEG; the friend's presence again with its SHA-1 (XEP-0153).
        var own = (await IqAsync(romeoXmpp, "g1", "<iq type='get' id='g1'><vCard xmlns='vcard-temp'/></iq>")).Element(VCard + "vCard")!;
        Assert.Equal(avatar, Convert.FromBase64String(own.Element(VCard + "PHOTO")!.Element(VCard + "BINVAL")!.Value));
        Assert.Equal("image/jpeg", own.Element(VCard + "PHOTO")!.Element(VCard + "TYPE")!.Value);
        var after = await julietXmpp.ExpectAsync(e => e.Name.LocalName == "presence" && e.Element(Update + "x")?.Element(Update + "photo")?.Value is { Length: > 0 });
#pragma warning disable CA5350 // XEP-0153's hash is SHA-1
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(avatar)), after.Element(Update + "x")!.Element(Update + "photo")!.Value);
#pragma warning restore CA5350
        Assert.Equal($"{romeo.Number}@localhost/penguin", (string?)after.Attribute("from"));
    }

    [Fact]
    public async Task VCardSet_WithABadPhotoOrNickname_ChangesNothing()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        var before = await romeo.Rest.GetUserAsync(romeo.Number);

        // Not a picture (by its content, whatever TYPE says): refused, and the valid nickname beside it is not applied.
        var noise = Convert.ToBase64String(RandomNumberGenerator.GetBytes(3000));
        var notPicture = await IqAsync(xmpp, "b1", $"<iq type='set' id='b1'><vCard xmlns='vcard-temp'><NICKNAME>新名字</NICKNAME><PHOTO><TYPE>image/jpeg</TYPE><BINVAL>{noise}</BINVAL></PHOTO></vCard></iq>");
        Assert.Equal("not-acceptable", notPicture.Element(XmppTestClient.Client + "error")!.Elements().First().Name.LocalName);
        Assert.Contains("/", notPicture.Element(XmppTestClient.Client + "error")!.Elements().Last().Value, StringComparison.Ordinal); // bilingual text

        var badBase64 = await IqAsync(xmpp, "b2", "<iq type='set' id='b2'><vCard xmlns='vcard-temp'><NICKNAME>新名字</NICKNAME><PHOTO><BINVAL>!!!</BINVAL></PHOTO></vCard></iq>");
        Assert.Equal("bad-request", badBase64.Element(XmppTestClient.Client + "error")!.Elements().First().Name.LocalName);

        var tooLong = await IqAsync(xmpp, "b3", $"<iq type='set' id='b3'><vCard xmlns='vcard-temp'><NICKNAME>{new string('长', 200)}</NICKNAME><DESC>x</DESC></vCard></iq>");
        Assert.Equal("not-acceptable", tooLong.Element(XmppTestClient.Client + "error")!.Elements().First().Name.LocalName);

        var after = await romeo.Rest.GetUserAsync(romeo.Number);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Caps_InFeaturesAndContactPresence_AnsweredByDiscoOnNodeVer_WithTheRightHash()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var julietXmpp = await XmppTestClient.LoginAsync(Server, juliet.Number);
        var serverCaps = julietXmpp.Features.Element(Caps + "c")!;
        Assert.Equal("sha-1", (string?)serverCaps.Attribute("hash"));
        var serverNode = $"{(string?)serverCaps.Attribute("node")}#{(string?)serverCaps.Attribute("ver")}";
        var serverInfo = (await IqAsync(julietXmpp, "d1", $"<iq type='get' id='d1' to='localhost'><query xmlns='{DiscoInfo}' node='{serverNode}'/></iq>")).Element(DiscoInfo + "query")!;
        Assert.Equal(serverNode, (string?)serverInfo.Attribute("node"));
        Assert.Equal((string?)serverCaps.Attribute("ver"), XmppCaps.Ver(serverInfo));
        Assert.Contains(serverInfo.Elements(DiscoInfo + "feature"), f => (string?)f.Attribute("var") == "vcard-temp");

        await julietXmpp.SendAsync("<presence/>");
        var native = await romeo.ConnectAsync();
        var presence = await julietXmpp.ExpectAsync(e => e.Name.LocalName == "presence" && e.Element(Caps + "c") is not null);
        var caps = presence.Element(Caps + "c")!;
        var node = $"{(string?)caps.Attribute("node")}#{(string?)caps.Attribute("ver")}";
        var contactInfo = (await IqAsync(julietXmpp, "d2", $"<iq type='get' id='d2' to='{(string?)presence.Attribute("from")}'><query xmlns='{DiscoInfo}' node='{node}'/></iq>")).Element(DiscoInfo + "query")!;
        Assert.Equal((string?)caps.Attribute("ver"), XmppCaps.Ver(contactInfo));
        Assert.Contains(contactInfo.Elements(DiscoInfo + "feature"), f => (string?)f.Attribute("var") == "urn:xmpp:receipts");

        // An unknown node is not answered with made-up features.
        var unknown = await IqAsync(julietXmpp, "d3", $"<iq type='get' id='d3' to='{(string?)presence.Attribute("from")}'><query xmlns='{DiscoInfo}' node='x#y'/></iq>");
        Assert.Equal("error", (string?)unknown.Attribute("type"));
    }

    [Fact]
    public void CapsVer_MatchesTheXep0115Example()
    {
        // XEP-0115 §5.2's simple example.
        var info = XElement.Parse("""
            <query xmlns='http://jabber.org/protocol/disco#info'>
              <identity category='client' name='Exodus 0.9.1' type='pc'/>
              <feature var='http://jabber.org/protocol/caps'/>
              <feature var='http://jabber.org/protocol/disco#info'/>
              <feature var='http://jabber.org/protocol/disco#items'/>
              <feature var='http://jabber.org/protocol/muc'/>
            </query>
            """);
        Assert.Equal("QgayPKawpkPSDYmwT/WM94uAlu0=", XmppCaps.Ver(info));
    }
}
