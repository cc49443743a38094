using System.Globalization;
using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// XEP-0045 over Penguin groups, real TCP: Juliet owns the group "Verona" on the native protocol, Romeo enters its
/// room with an XMPP client; they talk both ways with the group's own seq, the announcement is the subject, a mute
/// takes Romeo's voice, a kick over XMPP removes a member, and a stranger cannot enter.
/// </summary>
public sealed class XmppMucTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";
    private static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    private const string Service = "conference.localhost";
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Room_IsTheGroup_BothWays()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await juliet.Rest.UpdateGroupAsync(group, new UpdateGroupRequest(Announcement: "今晚舞会 Ball tonight"));
        await romeo.Rest.JoinGroupAsync(group);
        var native = await juliet.ConnectAsync();
        await native.SendGroupTextAsync(group, "before you came in"); // a member sees history from when he joined
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<iq type='get' id='rooms' to='{Service}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        var rooms = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "rooms");
        Assert.Contains(rooms.Descendants().Where(e => e.Name.LocalName == "item"), i => (string?)i.Attribute("jid") == $"{group}@{Service}");

        await xmpp.SendAsync($"<presence to='{group}@{Service}/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var owner = await xmpp.ExpectAsync(e => e.Name == Client + "presence" && (string?)e.Attribute("from") == $"{group}@{Service}/{juliet.Number}");
        var ownerItem = owner.Element(MucUser + "x")!.Element(MucUser + "item")!;
        Assert.Equal(("owner", "moderator"), ((string?)ownerItem.Attribute("affiliation"), (string?)ownerItem.Attribute("role")));
        var self = await xmpp.ExpectAsync(e => e.Name == Client + "presence" && (string?)e.Attribute("from") == $"{group}@{Service}/{romeo.Number}");
        Assert.Contains(self.Descendants(MucUser + "status"), s => (string?)s.Attribute("code") == "110");
        Assert.Equal("member", (string?)self.Descendants(MucUser + "item").Single().Attribute("affiliation"));
        var history = await xmpp.ExpectAsync(e => e.Element(Client + "body") is not null);
        Assert.Equal("before you came in", history.Element(Client + "body")!.Value);
        Assert.NotNull(history.Element(XNamespace.Get("urn:xmpp:delay") + "delay"));
        var subject = await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);
        Assert.Equal("今晚舞会 Ball tonight", subject.Element(Client + "subject")!.Value);

        // XMPP → native, with the reflection carrying the group's seq.
        await xmpp.SendAsync($"<message type='groupchat' to='{group}@{Service}' id='g1'><body>But soft! 轻点</body></message>");
        var received = await native.WaitForAsync<GroupMessageReceived>(m => m.Message.From == romeo.Number);
        Assert.Equal("But soft! 轻点", received.Message.Text);
        var reflection = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "groupchat" && (string?)e.Attribute("id") == "g1");
        Assert.Equal(received.Message.Seq.ToString(CultureInfo.InvariantCulture),
            (string?)reflection.Element(XNamespace.Get("urn:xmpp:sid:0") + "stanza-id")!.Attribute("id"));

        // native → XMPP.
        await native.SendGroupTextAsync(group, "Wherefore art thou");
        var live = await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "Wherefore art thou");
        Assert.Equal("groupchat", (string?)live.Attribute("type"));
        Assert.Equal($"{group}@{Service}/{juliet.Number}", (string?)live.Attribute("from"));

        // Voice = mute: a muted member's message is refused with forbidden and nothing is stored.
        await juliet.Rest.MuteAsync(group, romeo.Number, 10);
        await xmpp.SendAsync($"<message type='groupchat' to='{group}@{Service}' id='g2'><body>silenced</body></message>");
        var refused = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "g2");
        Assert.Equal("error", (string?)refused.Attribute("type"));
        Assert.NotNull(refused.Element(Client + "error")!.Element(Stanzas + "forbidden"));
    }

    [Fact]
    public async Task Kick_ByTheOwnerOverXmpp_RemovesTheMember()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await tybalt.Rest.JoinGroupAsync(group);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, juliet.Number);
        await xmpp.SendAsync($"<presence to='{group}@{Service}/juliet'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
        await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);

        await xmpp.SendAsync($"<iq type='set' id='kick' to='{group}@{Service}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='{tybalt.Number}' role='none'/></query></iq>");

        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "kick")).Attribute("type"));
        Assert.DoesNotContain(await juliet.Rest.GetGroupMembersAsync(group), m => m.Number == tybalt.Number);
    }

    [Fact]
    public async Task Enter_ByANonMember_IsRefused()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var stranger = await Server.RegisterAsync("stranger");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona"))).Group.Id;
        await using var xmpp = await XmppTestClient.LoginAsync(Server, stranger.Number);

        await xmpp.SendAsync($"<presence to='{group}@{Service}/me'><x xmlns='http://jabber.org/protocol/muc'/></presence>");

        var error = await xmpp.ExpectAsync(e => e.Name == Client + "presence");
        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.NotNull(error.Element(Client + "error")!.Element(Stanzas + "registration-required"));
        await xmpp.SendAsync($"<message type='groupchat' to='{group}@{Service}' id='x'><body>let me in</body></message>");
        Assert.Equal("error", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "x")).Attribute("type"));
    }
}
