using System.Net;
using System.Net.WebSockets;
using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// XMPP over WebSocket (RFC 7395) at /xmpp-websocket on the HTTP port, with .NET's own WebSocket client: framing,
/// authentication rules, and Romeo on a WebSocket XMPP client chatting with Juliet on the native protocol.
/// </summary>
public sealed class XmppWebSocketTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Open_IsAnsweredWithAFramedOpenAndFeatures_WithoutStartTls()
    {
        await using var xmpp = await XmppWebSocketTestClient.ConnectAsync(Server);

        Assert.Equal("xmpp", xmpp.SubProtocol);
        Assert.Equal("localhost", (string?)xmpp.Open.Attribute("from"));
        Assert.Equal("1.0", (string?)xmpp.Open.Attribute("version"));
        Assert.Equal(XName.Get("features", "http://etherx.jabber.org/streams"), xmpp.Features.Name);
        // TLS is the HTTP layer's: no STARTTLS; over plain ws:// PLAIN is not offered (loopback plaintext is off).
        Assert.Null(xmpp.Features.Element(XNamespace.Get("urn:ietf:params:xml:ns:xmpp-tls") + "starttls"));
        var mechanisms = xmpp.Features.Descendants().Where(e => e.Name.LocalName == "mechanism").Select(e => e.Value).ToArray();
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], mechanisms);
    }

    [Fact]
    public async Task Plain_OverPlainWebSocket_IsRefused()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppWebSocketTestClient.ConnectAsync(Server);

        var outcome = await xmpp.PlainAsync(romeo.Number, User.Password);

        Assert.Equal("failure", outcome.Name.LocalName);
        Assert.Equal("invalid-mechanism", outcome.Elements().First().Name.LocalName);
    }

    [Fact]
    public async Task Login_ScramOverWebSocket_BindsADeviceSession()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppWebSocketTestClient.LoginAsync(Server, romeo.Number, "browser");

        Assert.Equal($"{romeo.Number}@localhost/browser", xmpp.Jid);
        Assert.Contains((await romeo.Rest.GetSessionsAsync()).Sessions, s => s.DeviceName == "XMPP browser");
    }

    [Fact]
    public async Task Chat_BetweenWebSocketXmppAndNative_GoesBothWays()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppWebSocketTestClient.LoginAsync(Server, romeo.Number);
        await xmpp.SendAsync("<presence xmlns='jabber:client'/>");

        await xmpp.SendAsync($"<message xmlns='jabber:client' type='chat' to='{juliet.Number}@localhost' id='w1'><body>隔着网页 over the web &amp; back</body></message>");
        var received = await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number);
        Assert.Equal("隔着网页 over the web & back", received.Message.Text);

        await native.SendTextAsync(romeo.Number, "<b>not markup</b>");
        var stanza = await xmpp.ExpectAsync(e => e.Name == Client + "message" && e.Element(Client + "body") is not null);
        Assert.Equal("<b>not markup</b>", stanza.Element(Client + "body")!.Value);
    }

    [Fact]
    public async Task Close_IsAnsweredWithClose()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var xmpp = await XmppWebSocketTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<close xmlns='{XmppWebSocketTestClient.Framing}'/>");

        var close = await xmpp.ExpectAsync(e => e.Name.LocalName == "close");
        Assert.Equal(XmppWebSocketTestClient.Framing, close.Name.NamespaceName);
        Assert.Null(await xmpp.ReceiveAsync()); // then the WebSocket closes
    }

    [Fact]
    public async Task MalformedStanza_EndsWithAStreamErrorAndClose()
    {
        await using var xmpp = await XmppWebSocketTestClient.ConnectAsync(Server);

        await xmpp.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>unclosed</wrong>");

        var error = await xmpp.ExpectAsync(e => e.Name == XName.Get("error", "http://etherx.jabber.org/streams"));
        Assert.Equal("not-well-formed", error.Elements().First().Name.LocalName);
        Assert.Equal("close", (await xmpp.NextAsync()).Name.LocalName);
    }

    [Fact]
    public async Task Open_ForAnotherDomain_IsHostUnknown()
    {
        await using var xmpp = await XmppWebSocketTestClient.ConnectAsync(Server, open: false);

        await xmpp.SendAsync($"<open xmlns='{XmppWebSocketTestClient.Framing}' to='example.org' version='1.0'/>");

        Assert.Equal("open", (await xmpp.NextAsync()).Name.LocalName);
        var error = await xmpp.NextAsync();
        Assert.Equal("host-unknown", error.Elements().First().Name.LocalName);
    }

    [Fact]
    public async Task Upgrade_WithoutTheXmppSubprotocol_IsRefused()
    {
        var e = await Assert.ThrowsAnyAsync<WebSocketException>(() => XmppWebSocketTestClient.ConnectAsync(Server, open: false, protocol: "chat"));
        Assert.NotNull(e);
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(Server.BaseUri, "/xmpp-websocket"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
