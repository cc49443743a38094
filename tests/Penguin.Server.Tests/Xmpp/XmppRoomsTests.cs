using System.Globalization;
using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// Chat rooms (聊天室) as public XEP-0045 rooms, real TCP beside native WebSocket users: the service lists them,
/// entering shows who is inside, the last messages and the topic, talk goes both ways, leaving is seen, and a
/// moderator's kick (307) and ban (301, then refused on entering) put the XMPP user out.
/// </summary>
public sealed class XmppRoomsTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";
    private static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    private const string Service = "conference.localhost";
    private TestServer Server => fixture.Server;

    private static string N(long number) => number.ToString(CultureInfo.InvariantCulture);

    private static string Topic() => "话题" + Guid.NewGuid().ToString("N")[..8];

    private static bool HasStatus(XElement presence, string code) => presence.Descendants(MucUser + "status").Any(s => (string?)s.Attribute("code") == code);

    [Fact]
    public async Task Room_IsListedEnteredAndSharedWithNativeUsers_BothWays()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var romeo = await Server.RegisterAsync("romeo");
        var topic = Topic();
        var room = await alice.Rest.CreateRoomAsync("爬山 Hiking", topic);
        var jid = $"room-{N(room.Id)}@{Service}";
        var native = await alice.ConnectAsync();
        await native.EnterRoomAsync(room.Id);
        await native.SayInRoomAsync(room.Id, "早上好 <morning> & 'all'");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<iq type='get' id='items' to='{Service}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        var items = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "items");
        Assert.Contains(items.Descendants().Where(e => e.Name.LocalName == "item"), i => (string?)i.Attribute("jid") == jid && (string?)i.Attribute("name") == "爬山 Hiking");

        await xmpp.SendAsync($"<presence to='{jid}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var creator = await xmpp.ExpectAsync(e => (string?)e.Attribute("from") == $"{jid}/{N(alice.Number)}");
        Assert.Equal("moderator", (string?)creator.Descendants(MucUser + "item").Single().Attribute("role"));
        var self = await xmpp.ExpectAsync(e => (string?)e.Attribute("from") == $"{jid}/{N(romeo.Number)}");
        Assert.True(HasStatus(self, "110"));
        Assert.Equal("participant", (string?)self.Descendants(MucUser + "item").Single().Attribute("role"));
        var recent = await xmpp.ExpectAsync(e => e.Element(Client + "body") is not null);
        Assert.Equal("早上好 <morning> & 'all'", recent.Element(Client + "body")!.Value);
        Assert.Equal(topic, (await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null)).Element(Client + "subject")!.Value);
        Assert.Equal(romeo.Number, (await native.WaitForAsync<RoomPersonEntered>(e => e.RoomId == room.Id)).Number);

        // XMPP → native, and the sender's reflection.
        await xmpp.SendAsync($"<message type='groupchat' to='{jid}' id='r1'><body>有人去吗 anyone?</body></message>");
        var heard = await native.WaitForAsync<RoomMessageReceived>(e => e.Message.From == romeo.Number);
        Assert.Equal("有人去吗 anyone?", heard.Message.Text);
        var reflection = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r1");
        Assert.Equal(("groupchat", $"{jid}/{N(romeo.Number)}"), ((string?)reflection.Attribute("type"), (string?)reflection.Attribute("from")));

        // native → XMPP.
        await native.SayInRoomAsync(room.Id, "我去 me");
        var live = await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "我去 me");
        Assert.Equal($"{jid}/{N(alice.Number)}", (string?)live.Attribute("from"));

        // Leaving: the native user sees the XMPP user go, and the room no longer counts them.
        await xmpp.SendAsync($"<presence to='{jid}/romeo' type='unavailable'/>");
        var left = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "unavailable");
        Assert.True(HasStatus(left, "110"));
        Assert.Equal(romeo.Number, (await native.WaitForAsync<RoomPersonLeft>(e => e.RoomId == room.Id)).Number);
        Assert.Equal(1, (await alice.Rest.GetRoomAsync(room.Id)).People);
        await xmpp.SendAsync($"<message type='groupchat' to='{jid}' id='r2'><body>still here?</body></message>");
        Assert.Equal("error", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r2")).Attribute("type"));
    }

    [Fact]
    public async Task KickAndBan_PutTheXmppUserOut_ABanRefusesEnteringAgain_AParticipantMayNotKick()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var room = await alice.Rest.CreateRoomAsync("爬山", Topic());
        var jid = $"room-{N(room.Id)}@{Service}";
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        async Task EnterAsync()
        {
            await xmpp.SendAsync($"<presence to='{jid}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
            await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);
        }
        var other = await tybalt.ConnectAsync();
        await other.EnterRoomAsync(room.Id);
        await EnterAsync();

        // A participant may not kick: forbidden, and Tybalt stays inside.
        await xmpp.SendAsync($"<iq type='set' id='k0' to='{jid}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='{N(tybalt.Number)}' role='none'/></query></iq>");
        var forbidden = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "k0");
        Assert.NotNull(forbidden.Element(Client + "error")!.Element(Stanzas + "forbidden"));
        Assert.Equal(2, (await alice.Rest.GetRoomAsync(room.Id)).People);

        await alice.Rest.KickFromRoomAsync(room.Id, romeo.Number);
        var kicked = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "unavailable" && (string?)e.Attribute("from") == $"{jid}/{N(romeo.Number)}");
        Assert.True(HasStatus(kicked, "307") && HasStatus(kicked, "110"));

        await EnterAsync(); // a kick is not a ban
        await alice.Rest.BanFromRoomAsync(room.Id, romeo.Number);
        var banned = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "unavailable" && (string?)e.Attribute("from") == $"{jid}/{N(romeo.Number)}");
        Assert.True(HasStatus(banned, "301"));

        await xmpp.SendAsync($"<presence to='{jid}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var refused = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "error" && e.Name == Client + "presence");
        Assert.NotNull(refused.Element(Client + "error")!.Element(Stanzas + "forbidden"));
        Assert.Equal(1, (await alice.Rest.GetRoomAsync(room.Id)).People);
    }

    [Fact]
    public async Task AModerator_KicksOverXmpp_AndAnUnknownRoomIsNotFound()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var room = await alice.Rest.CreateRoomAsync("爬山", Topic());
        var jid = $"room-{N(room.Id)}@{Service}";
        var other = await tybalt.ConnectAsync();
        await other.EnterRoomAsync(room.Id);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, alice.Number);
        await xmpp.SendAsync($"<presence to='{jid}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);

        await xmpp.SendAsync($"<iq type='set' id='k1' to='{jid}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='{N(tybalt.Number)}' role='none'/></query></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "k1")).Attribute("type"));
        Assert.Equal(RoomExitReason.Kicked, (await other.WaitForAsync<RoomRemoved>(e => e.RoomId == room.Id)).Reason);
        var gone = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "unavailable" && (string?)e.Attribute("from") == $"{jid}/{N(tybalt.Number)}");
        Assert.True(HasStatus(gone, "307"));

        await xmpp.SendAsync($"<presence to='room-999999999@{Service}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var unknown = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "error" && e.Name == Client + "presence");
        Assert.NotNull(unknown.Element(Client + "error")!.Element(Stanzas + "item-not-found"));
    }
}
