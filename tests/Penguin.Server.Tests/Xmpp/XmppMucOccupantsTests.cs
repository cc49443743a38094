using System.Globalization;
using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// Live occupants of a group's room, real TCP: an XMPP occupant sees members join (their presence), leave
/// (unavailable) and be kicked (307), and a native member's card change (XEP-0172 nick); a nick change in the room
/// sets the member's card (群名片), which native members see, and is refused when taken (409) or not acceptable (406).
/// </summary>
public sealed class XmppMucOccupantsTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";
    private static readonly XNamespace Nick = "http://jabber.org/protocol/nick";
    private static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    private const string Service = "conference.localhost";
    private TestServer Server => fixture.Server;

    private static string N(long number) => number.ToString(CultureInfo.InvariantCulture);

    private static async Task<XmppTestClient> EnterAsync(TestServer server, long number, long group)
    {
        var xmpp = await XmppTestClient.LoginAsync(server, number);
        await xmpp.SendAsync($"<presence to='{group}@{Service}/x'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
        await xmpp.ExpectAsync(e => e.Element(Client + "subject") is not null);
        return xmpp;
    }

    private static Func<XElement, bool> PresenceFrom(long group, long number) =>
        e => e.Name == Client + "presence" && (string?)e.Attribute("from") == $"{group}@{Service}/{N(number)}";

    [Fact]
    public async Task Occupants_SeeMembersJoinLeaveBeKickedAndChangeTheirCard()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await using var owner = await EnterAsync(Server, juliet.Number, group);

        await romeo.Rest.JoinGroupAsync(group);
        var arrived = await owner.ExpectAsync(PresenceFrom(group, romeo.Number));
        Assert.Null((string?)arrived.Attribute("type"));
        var item = arrived.Element(MucUser + "x")!.Element(MucUser + "item")!;
        Assert.Equal(("member", "participant", $"{N(romeo.Number)}@localhost"),
            ((string?)item.Attribute("affiliation"), (string?)item.Attribute("role"), (string?)item.Attribute("jid")));

        await romeo.Rest.SetGroupCardAsync(group, "罗密欧 Romeo");
        var renamed = await owner.ExpectAsync(e => PresenceFrom(group, romeo.Number)(e) && e.Element(Nick + "nick") is not null);
        Assert.Equal("罗密欧 Romeo", renamed.Element(Nick + "nick")!.Value);

        await romeo.Rest.LeaveGroupAsync(group);
        var gone = await owner.ExpectAsync(PresenceFrom(group, romeo.Number));
        Assert.Equal("unavailable", (string?)gone.Attribute("type"));
        Assert.DoesNotContain(gone.Descendants(MucUser + "status"), s => (string?)s.Attribute("code") == "307");

        await tybalt.Rest.JoinGroupAsync(group);
        await owner.ExpectAsync(PresenceFrom(group, tybalt.Number));
        await juliet.Rest.KickAsync(group, tybalt.Number);
        var kicked = await owner.ExpectAsync(PresenceFrom(group, tybalt.Number));
        Assert.Equal("unavailable", (string?)kicked.Attribute("type"));
        Assert.Contains(kicked.Descendants(MucUser + "status"), s => (string?)s.Attribute("code") == "307");
    }

    [Fact]
    public async Task NickChange_SetsTheCard_TakenOrBadNicksAreRefusedAndChangeNothing()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var romeo = await Server.RegisterAsync("romeo");
        var group = (await juliet.Rest.CreateGroupAsync(new CreateGroupRequest("Verona", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await romeo.Rest.JoinGroupAsync(group);
        await juliet.Rest.SetGroupCardAsync(group, "朱丽叶");
        var native = await juliet.ConnectAsync();
        await using var xmpp = await EnterAsync(Server, romeo.Number, group);

        await xmpp.SendAsync($"<presence to='{group}@{Service}/罗密欧'/>");
        var self = await xmpp.ExpectAsync(e => PresenceFrom(group, romeo.Number)(e) && e.Element(Nick + "nick") is not null);
        Assert.Equal("罗密欧", self.Element(Nick + "nick")!.Value);
        Assert.Contains(self.Descendants(MucUser + "status"), s => (string?)s.Attribute("code") == "110");
        Assert.Equal("罗密欧", (await native.WaitForAsync<GroupMemberChanged>(e => e.Member.Number == romeo.Number && e.Member.Card is not null)).Member.Card);

        // Another member's card, or another member's number, is taken: 409, and the card stays.
        foreach (var taken in new[] { "朱丽叶", N(juliet.Number) })
        {
            await xmpp.SendAsync($"<presence to='{group}@{Service}/{taken}'/>");
            var conflict = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "error" && (string?)e.Attribute("from") == $"{group}@{Service}/{taken}");
            Assert.NotNull(conflict.Element(Client + "error")!.Element(Stanzas + "conflict"));
        }
        // Longer than a card may be: 406 not-acceptable, with the reason in both languages.
        var tooLong = new string('长', Limits.GroupCardMaxLength + 1);
        await xmpp.SendAsync($"<presence to='{group}@{Service}/{tooLong}'/>");
        var refused = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "error" && (string?)e.Attribute("from") == $"{group}@{Service}/{tooLong}");
        Assert.NotNull(refused.Element(Client + "error")!.Element(Stanzas + "not-acceptable"));
        Assert.Contains("/", refused.Element(Client + "error")!.Element(Stanzas + "text")!.Value);

        Assert.Equal("罗密欧", (await juliet.Rest.GetGroupMembersAsync(group)).Single(m => m.Number == romeo.Number).Card);
    }
}
