using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// XEP-0198 over real TCP: counting and acknowledgements, and resumption after the connection drops — Juliet
/// (native) writes to Romeo (XMPP) before and while his connection is down; when he resumes, what he had not
/// acknowledged comes again and what came meanwhile follows, each exactly once.
/// </summary>
public sealed class XmppStreamManagementTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Sm = "urn:xmpp:sm:3";
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Enable_CountsHandledStanzas()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        Assert.NotNull(xmpp.Features.Element(Sm + "sm"));

        await xmpp.SendAsync("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        var enabled = await xmpp.ExpectAsync(e => e.Name == Sm + "enabled");
        Assert.Equal("true", (string?)enabled.Attribute("resume"));
        Assert.False(string.IsNullOrEmpty((string?)enabled.Attribute("id")));
        Assert.Equal("300", (string?)enabled.Attribute("max"));

        await xmpp.SendAsync("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq><iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq><r xmlns='urn:xmpp:sm:3'/>");
        var ack = await xmpp.ExpectAsync(e => e.Name == Sm + "a");
        Assert.Equal("2", (string?)ack.Attribute("h"));
    }

    [Fact]
    public async Task AckBeyondWhatWasSent_EndsTheStream()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<enable xmlns='urn:xmpp:sm:3'/>");
        await xmpp.ExpectAsync(e => e.Name == Sm + "enabled");

        await xmpp.SendAsync("<a xmlns='urn:xmpp:sm:3' h='5'/>");

        Assert.Equal("undefined-condition", await xmpp.StreamErrorAsync());
    }

    [Fact]
    public async Task Resume_AfterADrop_SendsTheUnacknowledgedAgainAndWhatCameMeanwhile_EachOnce()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "train");
        await xmpp.SendAsync("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        var id = (string?)(await xmpp.ExpectAsync(e => e.Name == Sm + "enabled")).Attribute("id");
        xmpp.TakeKept(_ => true); // what came before <enabled/> is not counted

        for (var i = 1; i <= 3; i++) await native.SendTextAsync(romeo.Number, $"before {i}");
        // Every stanza since <enabled/> counts (a roster push from the catch-up may come first): h is the count up to "before 1".
        var got = new List<string>();
        var counted = 0;
        var h = 0;
        while (got.Count < 3)
        {
            var next = await xmpp.NextAsync();
            if (next.Name.Namespace != Client) continue;
            counted++;
            if (!Body(next)) continue;
            got.Add(next.Element(Client + "body")!.Value);
            if (got.Count == 1) h = counted;
        }
        Assert.Equal(["before 1", "before 2", "before 3"], got);
        // Romeo's client handled the first one only, then the train enters a tunnel.
        xmpp.Drop();
        await native.SendTextAsync(romeo.Number, "while away 1");
        await native.SendTextAsync(romeo.Number, "while away 2");

        await using var back = await XmppTestClient.ConnectAsync(Server);
        await back.StartTlsAsync();
        Assert.True(await back.ScramAsync(romeo.Number, User.Password));
        await back.SendAsync($"<resume xmlns='urn:xmpp:sm:3' previd='{id}' h='{h}'/>");
        var resumed = await back.ExpectAsync(e => e.Name == Sm + "resumed");
        Assert.Equal(id, (string?)resumed.Attribute("previd"));
        Assert.Equal("0", (string?)resumed.Attribute("h")); // Romeo had sent nothing the server counted

        got.Clear();
        while (got.Count < 4) got.Add((await back.ExpectAsync(Body)).Element(Client + "body")!.Value);
        Assert.Equal(["before 2", "before 3", "while away 1", "while away 2"], got);
        await back.SendAsync("<iq type='get' id='after'><ping xmlns='urn:xmpp:ping'/></iq>");
        await back.ExpectAsync(e => (string?)e.Attribute("id") == "after");
        Assert.Empty(back.TakeKept(Body)); // nothing twice

        // The resumed stream is the same resource: it still sends, and Juliet still sees one device of Romeo's.
        await back.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><body>through the tunnel</body></message>");
        Assert.Equal("through the tunnel", (await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number)).Message.Text);
        Assert.Single((await romeo.Rest.GetSessionsAsync()).Sessions, s => s.DeviceName == "XMPP train");
    }

    [Fact]
    public async Task Resume_WithAnUnknownId_FailsAndBindingStillWorks()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.ConnectAsync(Server);
        await xmpp.StartTlsAsync();
        Assert.True(await xmpp.ScramAsync(romeo.Number, User.Password));

        await xmpp.SendAsync("<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>");
        var failed = await xmpp.NextAsync();
        Assert.Equal(Sm + "failed", failed.Name);
        await xmpp.BindAsync("fresh");
        Assert.EndsWith("/fresh", xmpp.Jid, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_OfAnotherAccountsStream_Fails()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        var id = (string?)(await xmpp.ExpectAsync(e => e.Name == Sm + "enabled")).Attribute("id");
        xmpp.Drop();

        await using var thief = await XmppTestClient.ConnectAsync(Server);
        await thief.StartTlsAsync();
        Assert.True(await thief.ScramAsync(tybalt.Number, User.Password));
        await thief.SendAsync($"<resume xmlns='urn:xmpp:sm:3' previd='{id}' h='0'/>");
        Assert.Equal(Sm + "failed", (await thief.NextAsync()).Name);
    }

    private static bool Body(XElement e) => e.Name == Client + "message" && e.Element(Client + "body") is not null;
}
