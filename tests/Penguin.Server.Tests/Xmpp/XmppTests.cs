using System.Xml.Linq;
using Penguin.Core.Xmpp;
using Penguin.Protocol;
using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// The XMPP front end on the real server over real TCP sockets: Romeo uses an XMPP client, Juliet the native
/// WebSocket protocol, and they see each other's messages and presence.
/// </summary>
public sealed class XmppTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Roster = "jabber:iq:roster";
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Login_ScramSha256AfterStartTls_BindsTheAccountJid()
    {
        await using var romeo = await Server.RegisterAsync("romeo");

        await using var xmpp = await XmppTestClient.ConnectAsync(Server);
        Assert.NotNull(xmpp.Features.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-tls") + "starttls")?.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-tls") + "required"));
        await xmpp.StartTlsAsync();
        var mechanisms = xmpp.Features.Descendants().Where(e => e.Name.LocalName == "mechanism").Select(e => e.Value).ToArray();
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], mechanisms);
        Assert.Contains("localhost", xmpp.ServerCertificate!.Subject, StringComparison.Ordinal);
        Assert.True(await xmpp.ScramAsync(romeo.Number, User.Password));
        await xmpp.BindAsync("balcony");

        Assert.Equal($"{romeo.Number}@localhost/balcony", xmpp.Jid);
        // The resource is a device session of the account, listed with the others.
        var sessions = await romeo.Rest.GetSessionsAsync();
        Assert.Contains(sessions.Sessions, s => s.DeviceName == "XMPP balcony");
    }

    [Fact]
    public async Task Login_ScramSha1_Works()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number, mechanism: ScramMechanism.Sha1);
        Assert.StartsWith($"{romeo.Number}@localhost/", xmpp.Jid, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPassword_IsNotAuthorizedAndNoSessionIsMade()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.ConnectAsync(Server);
        await xmpp.StartTlsAsync();

        Assert.False(await xmpp.ScramAsync(romeo.Number, "not the password"));
        Assert.Equal("not-authorized", xmpp.LastSaslOutcome!.Elements().First().Name.LocalName);
        Assert.False(await xmpp.ScramAsync(99_999_999, "nobody's"));
        Assert.Equal("not-authorized", xmpp.LastSaslOutcome!.Elements().First().Name.LocalName);
        Assert.Single((await romeo.Rest.GetSessionsAsync()).Sessions);
    }

    [Fact]
    public async Task Login_AfterPasswordChange_OldPasswordFailsNewWorks()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await romeo.Rest.ChangePasswordAsync(User.Password, "a brand new secret");

        await using (var old = await XmppTestClient.ConnectAsync(Server))
        {
            await old.StartTlsAsync();
            Assert.False(await old.ScramAsync(romeo.Number, User.Password));
        }
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number, "a brand new secret");
        Assert.NotEmpty(xmpp.Jid);
    }

    [Fact]
    public async Task Auth_WithoutTls_IsRefusedAndPlainIsNotOffered()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.ConnectAsync(Server);
        Assert.DoesNotContain(xmpp.Features.Descendants(), e => e.Name.LocalName == "mechanism");

        var outcome = await xmpp.PlainAsync(romeo.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), User.Password);
        Assert.Equal("failure", outcome.Name.LocalName);
        Assert.Equal("encryption-required", outcome.Elements().First().Name.LocalName);
    }

    [Fact]
    public async Task Plain_InsideTls_LogsIn()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.ConnectAsync(Server);
        await xmpp.StartTlsAsync();
        var outcome = await xmpp.PlainAsync($"{romeo.Number}@localhost", User.Password);
        Assert.Equal("success", outcome.Name.LocalName);
        await xmpp.BindAsync("plain");
        Assert.Equal($"{romeo.Number}@localhost/plain", xmpp.Jid);
    }

    [Fact]
    public async Task Roster_IsTheBuddyListWithGroupsAndRemarks()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var group = (await romeo.Rest.CreateGroupAsync("Capulets")).Single(g => g.Name == "Capulets");
        await romeo.Rest.UpdateFriendAsync(juliet.Number, group.Id, "My love");

        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
        var roster = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "r1");

        var item = Assert.Single(roster.Element(Roster + "query")!.Elements(Roster + "item"));
        Assert.Equal($"{juliet.Number}@localhost", (string?)item.Attribute("jid"));
        Assert.Equal("My love", (string?)item.Attribute("name"));
        Assert.Equal("both", (string?)item.Attribute("subscription"));
        Assert.Equal("Capulets", item.Element(Roster + "group")?.Value);
    }

    [Fact]
    public async Task Roster_ChangeOnTheNativeSide_IsPushed()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await romeo.Rest.UpdateFriendAsync(juliet.Number, remark: "Jules");

        var push = await xmpp.ExpectAsync(e => (string?)e.Attribute("type") == "set"
            && (string?)e.Element(Roster + "query")?.Element(Roster + "item")?.Attribute("name") == "Jules");
        var item = push.Element(Roster + "query")!.Element(Roster + "item")!;
        Assert.Equal($"{juliet.Number}@localhost", (string?)item.Attribute("jid"));
        Assert.Equal("both", (string?)item.Attribute("subscription"));
    }

    [Fact]
    public async Task Message_FromXmppToNative_AndBack()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<presence/>");

        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='m1'><body>但是，轻点！ What light through yonder window breaks?</body><origin-id xmlns='urn:xmpp:sid:0' id='romeo-1'/></message>");
        var received = await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number);
        Assert.Equal("但是，轻点！ What light through yonder window breaks?", received.Message.Text);
        Assert.Equal("romeo-1", received.Message.ClientId);

        var reply = await native.SendTextAsync(romeo.Number, "Romeo, Romeo! <wherefore> & art thou");
        var stanza = await xmpp.ExpectAsync(e => e.Name == Client + "message" && e.Element(Client + "body") is not null);
        Assert.Equal("Romeo, Romeo! <wherefore> & art thou", stanza.Element(Client + "body")!.Value);
        Assert.StartsWith($"{juliet.Number}@localhost", (string?)stanza.Attribute("from"), StringComparison.Ordinal);
        Assert.Equal(reply.Message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (string?)stanza.Element(XNamespace.Get("urn:xmpp:sid:0") + "stanza-id")?.Attribute("id"));
    }

    [Fact]
    public async Task Message_RetriedWithTheSameOriginId_IsStoredOnce()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        for (var i = 0; i < 2; i++)
            await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><body>once</body><origin-id xmlns='urn:xmpp:sid:0' id='same-id'/></message>");
        await xmpp.SendAsync("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
        await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "p1");

        var history = await juliet.Rest.GetHistoryAsync(romeo.Number);
        Assert.Single(history.Messages);
    }

    [Fact]
    public async Task Message_ToAStrangerWhoRefuses_IsAnErrorAndNothingIsStored()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var tybalt = await Server.RegisterAsync("tybalt");
        await tybalt.Rest.BlockAsync(romeo.Number);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<message type='chat' id='x1' to='{tybalt.Number}@localhost'><body>hello</body></message>");
        var error = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "x1");
        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.Empty((await tybalt.Rest.GetHistoryAsync(romeo.Number)).Messages);
    }

    [Fact]
    public async Task OfflineMessages_AreDeliveredAtLogin()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await native.SendTextAsync(romeo.Number, "first, while you were away");
        await native.SendTextAsync(romeo.Number, "second");

        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        var first = await xmpp.ExpectAsync(e => e.Element(Client + "body") is not null);
        var second = await xmpp.ExpectAsync(e => e.Element(Client + "body") is not null);
        Assert.Equal("first, while you were away", first.Element(Client + "body")!.Value);
        Assert.Equal("second", second.Element(Client + "body")!.Value);
    }

    [Fact]
    public async Task Presence_NativeFriendComesOnline_XmppSeesIt()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<presence/>");

        var native = await juliet.ConnectAsync(status: PresenceStatus.Online);
        await xmpp.ExpectAsync(e => e.Name == Client + "presence" && ((string?)e.Attribute("from"))!.StartsWith($"{juliet.Number}@", StringComparison.Ordinal) && e.Attribute("type") is null);
        await native.SetPresenceAsync(PresenceStatus.Away);
        var away = await xmpp.ExpectAsync(e => e.Name == Client + "presence" && e.Element(Client + "show")?.Value == "away");
        Assert.StartsWith($"{juliet.Number}@localhost", (string?)away.Attribute("from"), StringComparison.Ordinal);
        await native.CloseAsync();
        await xmpp.ExpectAsync(e => e.Name == Client + "presence" && (string?)e.Attribute("type") == "unavailable");
    }

    [Fact]
    public async Task Presence_XmppShow_NativeFriendSeesTheStatus()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync("<presence><show>dnd</show></presence>");
        await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status == PresenceStatus.DoNotDisturb);
        await xmpp.SendAsync("<presence><show>away</show></presence>");
        await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status == PresenceStatus.Away);
        await xmpp.SendAsync("<presence type='unavailable'/>");
        await native.WaitForAsync<PresenceChanged>(p => p.Presence.Number == romeo.Number && p.Presence.Status == PresenceStatus.Offline);
    }

    [Fact]
    public async Task PingAndDisco_AreAnswered()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync("<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "p1")).Attribute("type"));
        await xmpp.SendAsync("<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var disco = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "d1");
        var features = disco.Descendants().Where(e => e.Name.LocalName == "feature").Select(e => (string?)e.Attribute("var")).ToArray();
        Assert.Contains("urn:xmpp:ping", features);
        await xmpp.SendAsync("<iq type='get' id='u1'><unknown xmlns='urn:example:nothing'/></iq>");
        var unknown = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "u1");
        Assert.Equal("error", (string?)unknown.Attribute("type"));
        Assert.NotNull(unknown.Descendants().FirstOrDefault(e => e.Name.LocalName == "service-unavailable"));
    }

    [Fact]
    public async Task MalformedXml_EndsOnlyThatStream()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var bystander = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "bystander");
        await using var broken = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "broken");

        await broken.SendAsync("<message><body>unclosed</message>");
        Assert.Equal("not-well-formed", await broken.StreamErrorAsync());

        await bystander.SendAsync("<iq type='get' id='still'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)(await bystander.ExpectAsync(e => (string?)e.Attribute("id") == "still")).Attribute("type"));
    }

    [Fact]
    public async Task XmlBomb_IsRefusedWithRestrictedXml()
    {
        var tcp = new System.Net.Sockets.TcpClient();
        var endPoint = Server.Services.XmppEndPoint()!;
        await tcp.ConnectAsync(endPoint.Address, endPoint.Port);
        var stream = tcp.GetStream();
        var bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
            + "<stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>&lol2;";
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(bomb));
        var reply = await ReadAllAsync(stream);
        Assert.Contains("<restricted-xml xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"", reply, StringComparison.Ordinal);
        Assert.EndsWith("</stream:stream>", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedStanza_EndsTheStreamWithPolicyViolation()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync($"<message type='chat' to='1@localhost'><body>{new string('x', 200_000)}</body></message>");
        Assert.Equal("policy-violation", await xmpp.StreamErrorAsync());
    }

    [Fact]
    public async Task SameResourceLoggingInAgain_EndsTheOldStreamWithConflict()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var first = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "phone");
        await using var second = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "phone");
        Assert.Equal("conflict", await first.StreamErrorAsync());
        Assert.Equal(2, (await romeo.Rest.GetSessionsAsync()).Sessions.Length); // REST login + the one XMPP session, reused
    }

    private static async Task<string> ReadAllAsync(System.Net.Sockets.NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        var text = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0) return text.ToString();
            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        }
    }
}
