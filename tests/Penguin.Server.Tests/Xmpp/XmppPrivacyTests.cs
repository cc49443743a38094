using System.Text;
using System.Xml.Linq;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>Blocking ↔ native blocks, invisible ↔ native invisible, roster versioning, and restricted XML mid-stream, over real TCP.</summary>
public sealed class XmppPrivacyTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Roster = "jabber:iq:roster";
    private static readonly XNamespace Blocking = "urn:xmpp:blocking";
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Blocking_IsTheNativeBlockList_BothWays_AndABadItemChangesNothing()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        await using var paris = await Server.RegisterAsync("paris");
        await romeo.BefriendAsync(tybalt);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync("<iq type='get' id='b0'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
        Assert.Empty((await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "b0")).Element(Blocking + "blocklist")!.Elements());

        // One bad item refuses the whole request: nobody is blocked.
        await xmpp.SendAsync($"<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='{tybalt.Number}@localhost'/><item jid='someone@elsewhere.example'/></block></iq>");
        Assert.Equal("error", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "b1")).Attribute("type"));
        Assert.Empty(await romeo.Rest.GetBlockedAsync());

        await xmpp.SendAsync($"<iq type='set' id='b2'><block xmlns='urn:xmpp:blocking'><item jid='{tybalt.Number}@localhost'/></block></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "b2")).Attribute("type"));
        Assert.Equal([tybalt.Number], await romeo.Rest.GetBlockedAsync());
        var tybaltLive = await tybalt.ConnectAsync();
        var refused = await Assert.ThrowsAsync<PenguinException>(() => tybaltLive.SendTextAsync(romeo.Number, "draw"));
        Assert.Equal(Errors.MessageRefused.Code, refused.Error.Code);

        // A native block elsewhere is pushed to the resource that asked for the list.
        await romeo.Rest.BlockAsync(paris.Number);
        await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "set"
            && (string?)e.Element(Blocking + "block")?.Element(Blocking + "item")?.Attribute("jid") == $"{tybalt.Number}@localhost");
        var push = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "set" && e.Element(Blocking + "block") is not null);
        Assert.Equal($"{paris.Number}@localhost", (string?)Assert.Single(push.Element(Blocking + "block")!.Elements()).Attribute("jid"));

        // Unblock with no items: everyone.
        await xmpp.SendAsync("<iq type='set' id='b3'><unblock xmlns='urn:xmpp:blocking'/></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "b3")).Attribute("type"));
        Assert.Empty(await romeo.Rest.GetBlockedAsync());
    }

    [Fact]
    public async Task Invisible_ShowsOfflineToFriends_AndVisibleShowsOnlineAgain()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<presence/>");
        await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status == PresenceStatus.Online);

        await xmpp.SendAsync("<iq type='set' id='i1'><invisible xmlns='urn:xmpp:invisible:0'/></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "i1")).Attribute("type"));
        await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status <= PresenceStatus.Invisible);
        // Presence while invisible keeps it invisible.
        await xmpp.SendAsync("<presence><show>away</show></presence>");
        await xmpp.SendAsync("<iq type='set' id='i2'><visible xmlns='urn:xmpp:invisible:0'/></iq>");
        await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "i2");
        var seen = await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status > PresenceStatus.Invisible);
        Assert.Equal(PresenceStatus.Online, seen.Presence.Status);
    }

    [Fact]
    public async Task RosterVersioning_UpToDateIsEmpty_PushesCarryTheNewVersion()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        Assert.Contains(xmpp.Features.Elements(), e => e.Name.LocalName == "ver" && e.Name.NamespaceName == "urn:xmpp:features:rosterver");

        await xmpp.SendAsync("<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>");
        var v1 = (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r1")).Element(Roster + "query")!.Attribute("ver");
        Assert.False(string.IsNullOrEmpty(v1));
        await xmpp.SendAsync($"<iq type='get' id='r2'><query xmlns='jabber:iq:roster' ver='{v1}'/></iq>");
        var upToDate = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r2");
        Assert.Equal("result", (string?)upToDate.Attribute("type"));
        Assert.Empty(upToDate.Elements());

        await romeo.Rest.UpdateFriendAsync(juliet.Number, remark: "Jules");
        var push = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "set" && (string?)e.Element(Roster + "query")?.Element(Roster + "item")?.Attribute("name") == "Jules");
        var v2 = (string?)push.Element(Roster + "query")!.Attribute("ver");
        Assert.NotEqual(v1, v2);
        await xmpp.SendAsync($"<iq type='get' id='r3'><query xmlns='jabber:iq:roster' ver='{v1}'/></iq>");
        var full = (await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r3")).Element(Roster + "query")!;
        Assert.Equal(v2, (string?)full.Attribute("ver"));
        Assert.Equal("Jules", (string?)full.Element(Roster + "item")!.Attribute("name"));
    }

    [Fact]
    public async Task DoctypeMidStream_IsRestrictedXml()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendBytesAsync(Encoding.UTF8.GetBytes("<!DOCTYPE lolz [<!ENTITY lol 'lol'>]><message><body>&lol;</body></message>"));
        Assert.Equal("restricted-xml", await xmpp.StreamErrorAsync());
        // Nothing broke for others: a new stream logs in.
        await using var again = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "again");
    }
}
