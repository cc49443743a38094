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

    private static readonly XNamespace DataForms = "jabber:x:data";
    private static readonly XNamespace MucAdmin = "http://jabber.org/protocol/muc#admin";

    private static async Task<XmppTestClient> EnterAsync(TestServer server, long number, long group)
    {
        var xmpp = await XmppTestClient.LoginAsync(server, number);
        await xmpp.SendAsync($"<presence to='{group}@{Service}/x'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
        await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);
        return xmpp;
    }

    private static async Task<XElement> IqAsync(XmppTestClient xmpp, string id, string iq)
    {
        await xmpp.SendAsync(iq);
        return await xmpp.ExpectAsync(e => e.Name == Client + "iq" && (string?)e.Attribute("id") == id);
    }

    [Fact]
    public async Task Affiliations_OutcastKicks_AdminAndMemberSetTheAdmin_ListsAreTheMembers_AMemberMayNot()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await romeo.Rest.JoinGroupAsync(group);
        await tybalt.Rest.JoinGroupAsync(group);
        await using var owner = await EnterAsync(Server, juliet.Number, group);
        await using var member = await EnterAsync(Server, tybalt.Number, group);

        // A member may not ban: nothing changes.
        var refused = await IqAsync(member, "m1", $"<iq type='set' id='m1' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item jid='{romeo.Number}@localhost' affiliation='outcast'/></query></iq>");
        Assert.Equal("error", (string?)refused.Attribute("type"));
        Assert.Contains(await juliet.Rest.GetGroupMembersAsync(group), m => m.Number == romeo.Number);

        var admin = await IqAsync(owner, "a1", $"<iq type='set' id='a1' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item jid='{romeo.Number}@localhost' affiliation='admin'/></query></iq>");
        Assert.Equal("result", (string?)admin.Attribute("type"));
        Assert.Equal(GroupRole.Admin, (await juliet.Rest.GetGroupMembersAsync(group)).Single(m => m.Number == romeo.Number).Role);
        var admins = await IqAsync(owner, "l1", $"<iq type='get' id='l1' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item affiliation='admin'/></query></iq>");
        Assert.Equal($"{romeo.Number}@localhost", (string?)admins.Descendants(MucAdmin + "item").Single().Attribute("jid"));
        await IqAsync(owner, "a2", $"<iq type='set' id='a2' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item nick='{romeo.Number}' affiliation='member'/></query></iq>");
        Assert.Equal(GroupRole.Member, (await juliet.Rest.GetGroupMembersAsync(group)).Single(m => m.Number == romeo.Number).Role);

        // A member's voice taken (role visitor = muted): their own occupant presence says so.
        await IqAsync(owner, "v1", $"<iq type='set' id='v1' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item nick='{tybalt.Number}' role='visitor'/></query></iq>");
        var muted = await member.ExpectAsync(e => e.Name == Client + "presence" && (string?)e.Attribute("from") == $"{group}@{Service}/{tybalt.Number}"
            && (string?)e.Descendants(MucUser + "item").SingleOrDefault()?.Attribute("role") == "visitor");
        Assert.Contains(muted.Descendants(MucUser + "status"), c => (string?)c.Attribute("code") == "110");

        // Ban = outcast: the member is removed and leaves the room (307); the outcast list stays empty.
        var ban = await IqAsync(owner, "b1", $"<iq type='set' id='b1' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item jid='{tybalt.Number}@localhost' affiliation='outcast'/></query></iq>");
        Assert.Equal("result", (string?)ban.Attribute("type"));
        Assert.DoesNotContain(await juliet.Rest.GetGroupMembersAsync(group), m => m.Number == tybalt.Number);
        var gone = await member.ExpectAsync(e => e.Name == Client + "presence" && (string?)e.Attribute("type") == "unavailable");
        Assert.Contains(gone.Descendants(MucUser + "status"), c => (string?)c.Attribute("code") == "307");
        var outcasts = await IqAsync(owner, "l2", $"<iq type='get' id='l2' to='{group}@{Service}'><query xmlns='{MucAdmin}'><item affiliation='outcast'/></query></iq>");
        Assert.Empty(outcasts.Descendants(MucAdmin + "item"));
    }

    [Fact]
    public async Task PrivateMessage_ToAnOccupant_IsAOneToOneMessage_NotAGroupMessage()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        await juliet.BefriendAsync(romeo);
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await romeo.Rest.JoinGroupAsync(group);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await EnterAsync(Server, romeo.Number, group);

        await xmpp.SendAsync($"<message type='chat' to='{group}@{Service}/{juliet.Number}' id='pm1'><body>只给你 only for you</body></message>");

        var direct = await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number);
        Assert.Equal("只给你 only for you", direct.Message.Text);
        Assert.Equal(juliet.Number, direct.Message.To);
        Assert.Empty((await juliet.Rest.GetGroupHistoryAsync(group)).Messages);
    }

    [Fact]
    public async Task RoomConfig_IsAForm_TheNameIsTheGroupName_TheRestReadOnly()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona"))).Group.Id;
        await using var xmpp = await XmppTestClient.LoginAsync(Server, juliet.Number);
        const string Owner = "http://jabber.org/protocol/muc#owner";

        var form = (await IqAsync(xmpp, "c1", $"<iq type='get' id='c1' to='{group}@{Service}'><query xmlns='{Owner}'/></iq>")).Descendants(DataForms + "x").Single();
        string? Field(string name) => form.Elements(DataForms + "field").SingleOrDefault(f => (string?)f.Attribute("var") == name)?.Element(DataForms + "value")?.Value;
        Assert.Equal("Verona", Field("muc#roomconfig_roomname"));
        Assert.Equal("1", Field("muc#roomconfig_membersonly"));

        // A read-only field changed: refused, the name beside it not applied.
        var refused = await IqAsync(xmpp, "c2", $"<iq type='set' id='c2' to='{group}@{Service}'><query xmlns='{Owner}'><x xmlns='jabber:x:data' type='submit'>" +
            "<field var='muc#roomconfig_roomname'><value>Mantua</value></field><field var='muc#roomconfig_membersonly'><value>0</value></field></x></query></iq>");
        Assert.Equal("error", (string?)refused.Attribute("type"));
        Assert.Equal("Verona", (await juliet.Rest.GetGroupAsync(group)).Name);

        var renamed = await IqAsync(xmpp, "c3", $"<iq type='set' id='c3' to='{group}@{Service}'><query xmlns='{Owner}'><x xmlns='jabber:x:data' type='submit'>" +
            "<field var='muc#roomconfig_roomname'><value>维罗纳 Verona</value></field><field var='muc#roomconfig_membersonly'><value>true</value></field></x></query></iq>");
        Assert.Equal("result", (string?)renamed.Attribute("type"));
        Assert.Equal("维罗纳 Verona", (await juliet.Rest.GetGroupAsync(group)).Name);
    }

    [Fact]
    public async Task Mam_OnTheRoomJid_IsTheGroupHistory_PagedByGroupSeq_MembersOnly()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var paris = await Server.RegisterAsync("paris");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await romeo.Rest.JoinGroupAsync(group);
        var native = await juliet.ConnectAsync();
        foreach (var text in new[] { "一 one", "二 two", "三 three" }) await native.SendGroupTextAsync(group, text);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        XNamespace mam = "urn:xmpp:mam:2";
        XNamespace rsm = "http://jabber.org/protocol/rsm";

        async Task<(List<string> Bodies, List<string> Ids, XElement Fin)> QueryAsync(string id, string set)
        {
            await xmpp.SendAsync($"<iq type='set' id='{id}' to='{group}@{Service}'><query xmlns='urn:xmpp:mam:2' queryid='{id}'><set xmlns='http://jabber.org/protocol/rsm'>{set}</set></query></iq>");
            var fin = await xmpp.ExpectAsync(e => e.Name == Client + "iq" && (string?)e.Attribute("id") == id);
            var results = xmpp.TakeKept(e => (string?)e.Element(mam + "result")?.Attribute("queryid") == id);
            return ([.. results.Select(r => r.Descendants(Client + "body").Single().Value)], [.. results.Select(r => (string)r.Element(mam + "result")!.Attribute("id")!)],
                fin.Element(mam + "fin")!);
        }

        var first = await QueryAsync("q1", "<max>2</max>");
        Assert.Equal(["一 one", "二 two"], first.Bodies);
        Assert.Null(first.Fin.Attribute("complete"));
        var rest = await QueryAsync("q2", $"<max>2</max><after>{first.Fin.Element(rsm + "set")!.Element(rsm + "last")!.Value}</after>");
        Assert.Equal(["三 three"], rest.Bodies);
        Assert.Equal("true", (string?)rest.Fin.Attribute("complete"));
        var last = await QueryAsync("q3", "<max>1</max><before/>");
        Assert.Equal(["三 three"], last.Bodies);
        Assert.Equal(rest.Ids, last.Ids); // the archive id is the group seq

        // Not a member: refused; a time filter: not offered on rooms.
        await using var stranger = await XmppTestClient.LoginAsync(Server, paris.Number);
        await stranger.SendAsync($"<iq type='set' id='s1' to='{group}@{Service}'><query xmlns='urn:xmpp:mam:2'/></iq>");
        Assert.Equal("error", (string?)(await stranger.ExpectAsync(e => (string?)e.Attribute("id") == "s1")).Attribute("type"));
        Assert.DoesNotContain(stranger.Kept, e => e.Element(mam + "result") is not null);
        await xmpp.SendAsync($"<iq type='set' id='f1' to='{group}@{Service}'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" +
            "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='start'><value>2020-01-01T00:00:00Z</value></field></x></query></iq>");
        Assert.Equal("error", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "f1")).Attribute("type"));
    }
}
