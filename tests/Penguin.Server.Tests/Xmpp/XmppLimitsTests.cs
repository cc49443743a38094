using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Server.Features.Xmpp;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// What an attacker would try against the XMPP port, over real TCP sockets against the real listener: more
/// connections than the node or one address may hold, streams that end every which way, streams that never
/// authenticate, stanzas nested too deeply, and streams that declare names without end.
/// </summary>
public sealed class XmppLimitsTests
{
    private const string Header = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    public static TheoryData<string> Caps => ["MaxConnectionsPerAddress", "MaxConnections", "MaxWebSockets"];

    [Theory]
    [MemberData(nameof(Caps))]
    public async Task ConnectionsBeyondACap_AreClosedAtOnce_LoggedOnceAMinute_AndAFreedPlaceIsReused(string cap)
    {
        var logs = new LogCapture();
        await using var server = await StartAsync(o =>
        {
            switch (cap)
            {
                case "MaxConnectionsPerAddress":
                    o.MaxConnectionsPerAddress = 2;
                    o.LimitLoopback = true;
                    break;
                case "MaxConnections":
                    o.MaxConnections = 2;
                    o.MaxWebSockets = 2;
                    break;
                default:
                    o.MaxWebSockets = 2;
                    break;
            }
        }, logs);
        var limits = server.Services.GetRequiredService<ConnectionLimits>();
        var refusedBefore = limits.Refused;

        var first = await XmppTestClient.ConnectAsync(server);
        await using var second = await XmppTestClient.ConnectAsync(server);
        Assert.True(await ClosedByServerAsync(server), "the third connection was served");
        Assert.True(await ClosedByServerAsync(server), "the fourth connection was served");
        Assert.Equal(refusedBefore + 2, limits.Refused);
        Assert.Single(logs.Entries, e => e.EventId.Id == 118 && e.Category.EndsWith("ConnectionLimits", StringComparison.Ordinal)); // a flood is one line a minute, not one per connection

        // The served streams are untouched, and a place freed is a place for the next one.
        await second.SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        Assert.Equal("proceed", (await second.NextAsync()).Name.LocalName);
        await first.DisposeAsync();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var next = await XmppTestClient.ConnectAsync(server); // refused while the server has not seen the close
                break;
            }
            catch (Exception e) when (attempt < 50 && e is IOException or EndOfStreamException or SocketException or XmppStreamException)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Every way a stream can end gives its places back: with the cap at 2, each is tried more times than that.</summary>
    [Fact]
    public async Task EveryWayAStreamEnds_GivesItsPlacesBack()
    {
        await using var server = await StartAsync(o =>
        {
            o.MaxConnectionsPerAddress = 2;
            o.LimitLoopback = true;
            o.MaxWebSockets = 2;
        });
        var limits = server.Services.GetRequiredService<ConnectionLimits>();
        var (connections, devices) = (limits.Connections, limits.WebSockets);
        Func<Task>[] endings =
        [
            async () => await (await XmppTestClient.ConnectAsync(server)).DisposeAsync(), // a clean </stream:stream>
            () => RawAsync(server, Header[..60], () => limits.Connections > connections), // a header cut off, then the socket closed
            () => RawAsync(server, "", () => limits.Connections > connections), // connected, said nothing, left
            async () => (await XmppTestClient.ConnectAsync(server)).Drop(), // reset
            async () =>
            {
                // A TLS handshake begun and abandoned with bytes that are not TLS.
                await using var client = await XmppTestClient.ConnectAsync(server);
                await client.SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
                Assert.Equal("proceed", (await client.NextAsync()).Name.LocalName);
                await client.SendBytesAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            },
            async () =>
            {
                // A stream error.
                await using var client = await XmppTestClient.ConnectAsync(server);
                await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>unclosed</wrong>");
                Assert.Equal("not-well-formed", await client.StreamErrorAsync());
            },
        ];
        foreach (var (ending, index) in endings.Select((e, i) => (e, i)))
        {
            for (var round = 0; round < 3; round++)
            {
                await ending();
                Assert.True(await ReachesAsync(() => limits.Connections == connections && limits.WebSockets == devices),
                    $"ending {index}, round {round}: {limits.Connections} connections and {limits.WebSockets} device connections counted, {connections} and {devices} before");
            }
        }
        await using var a = await XmppTestClient.ConnectAsync(server);
        await using var b = await XmppTestClient.ConnectAsync(server);
    }

    [Fact]
    public async Task StreamsThatNeverAuthenticate_AreClosedAfterTheAuthTimeout()
    {
        await using var server = await StartAsync(o => o.AuthTimeout = TimeSpan.FromSeconds(1));
        var limits = server.Services.GetRequiredService<ConnectionLimits>();
        var connections = limits.Connections;

        // Silent from the start: a stream header and the error, then the close.
        using var silent = await TcpAsync(server);
        var started = TimeProvider.System.GetTimestamp();
        var reply = await ReadToEndAsync(silent.GetStream());
        Assert.Contains("<connection-timeout", reply, StringComparison.Ordinal);
        Assert.EndsWith("</stream:stream>", reply, StringComparison.Ordinal);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));

        // A stream opened, then nothing; and one inside TLS that never offers SASL.
        await using var opened = await XmppTestClient.ConnectAsync(server);
        await using var secured = await XmppTestClient.ConnectAsync(server);
        await secured.StartTlsAsync();
        Assert.Equal("connection-timeout", await opened.StreamErrorAsync());
        Assert.Equal("connection-timeout", await secured.StreamErrorAsync());
        Assert.True(await ReachesAsync(() => limits.Connections == connections));
    }

    [Fact]
    public async Task AuthenticatedStreams_OutliveTheAuthTimeout()
    {
        await using var server = await StartAsync(o => o.AuthTimeout = TimeSpan.FromSeconds(3));
        await using var romeo = await server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number);
        await Task.Delay(TimeSpan.FromSeconds(4));
        await xmpp.SendAsync("<iq type='get' id='alive'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "alive")).Attribute("type"));
    }

    [Fact]
    public async Task DeepNesting_EndsTheStreamWithPolicyViolation()
    {
        await using var server = await StartAsync(o => o.Xmpp.MaxStanzaDepth = 16);
        await using var romeo = await server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number);
        await xmpp.SendAsync("<message type='chat' to='1@localhost'>" + string.Concat(Enumerable.Repeat("<a>", 10_000)));
        Assert.Equal("policy-violation", await xmpp.StreamErrorAsync());
    }

    [Fact]
    public async Task EndlessDistinctNames_InSmallStanzas_EndTheStreamWithPolicyViolation()
    {
        await using var server = await StartAsync(o => o.Xmpp.MaxStreamNames = 200);
        await using var romeo = await server.RegisterAsync("romeo");
        await using var bystander = await XmppTestClient.LoginAsync(server, romeo.Number, resource: "bystander");
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number, resource: "attacker");

        // Each stanza is tiny and valid; only together do they declare more names than a stream may keep.
        var stanzas = string.Concat(Enumerable.Range(0, 500).Select(i => $"<iq type='get' id='q{i}' b{i}='1'><q{i} xmlns='urn:q:{i}'/></iq>"));
        await xmpp.SendAsync(stanzas);
        Assert.Equal("policy-violation", await xmpp.StreamErrorAsync());

        // An ordinary stream is far from the budget, and the other stream of the account goes on.
        await bystander.SendAsync("<iq type='get' id='still'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)(await bystander.ExpectAsync(e => (string?)e.Attribute("id") == "still")).Attribute("type"));
    }

    [Fact]
    public async Task EndlessDistinctNames_BeforeAuthentication_InOneStanza_EndTheStreamWithPolicyViolation()
    {
        await using var server = await StartAsync(o => o.Xmpp.MaxStreamNames = 200);
        await using var client = await XmppTestClient.ConnectAsync(server);
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' " + string.Concat(Enumerable.Range(0, 300).Select(i => $"a{i}='' ")) + "/>");
        Assert.Equal("policy-violation", await client.StreamErrorAsync());
    }

    [Fact]
    public async Task BeforeAuthentication_MadeUpAttributesAreIgnored_AndMadeUpElementsEndTheStream()
    {
        await using var server = await StartAsync(o => o.Xmpp.AllowPlaintextOnLoopback = true);
        await using var romeo = await server.RegisterAsync("romeo");

        // SASL goes on as if the made-up attributes were not there (they are never made into names).
        await using var client = await XmppTestClient.ConnectAsync(server);
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' made-up-1='x' made-up-2='y'>AAAA</auth>");
        Assert.Equal("failure", (await client.NextAsync()).Name.LocalName); // PLAIN is not offered without TLS: a SASL failure, the stream goes on
        Assert.True(await client.ScramAsync(romeo.Number, User.Password), "SCRAM login failed after the made-up attributes");
        await client.BindAsync("after");

        // A made-up element, even inside an allowed one, ends the stream before it is read any further.
        await using var stranger = await XmppTestClient.ConnectAsync(server);
        await stranger.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'><made-up xmlns='jabber:client'/></auth>");
        Assert.Equal("not-authorized", await stranger.StreamErrorAsync());
    }

    private static Task<TestServer> StartAsync(Action<ServerOptions> configure, LogCapture? logs = null) =>
        TestServer.StartAsync(o =>
        {
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
            configure(o);
        }, services: logs is null ? null : logs.AddTo);

    private static async Task<TcpClient> TcpAsync(TestServer server)
    {
        var endPoint = server.Services.XmppEndPoint()!;
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint.Address, endPoint.Port);
        return tcp;
    }

    /// <summary>Connects, writes <paramref name="text"/>, waits until the server has <paramref name="counted"/> the connection, and closes.</summary>
    private static async Task RawAsync(TestServer server, string text, Func<bool> counted)
    {
        using var tcp = await TcpAsync(server);
        if (text.Length > 0) await tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text));
        Assert.True(await ReachesAsync(counted), "the server never counted the connection");
    }

    /// <summary>Whether a new connection is closed by the server without a byte (the TCP connect itself succeeds: the backlog takes it).</summary>
    private static async Task<bool> ClosedByServerAsync(TestServer server)
    {
        using var tcp = await TcpAsync(server);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await tcp.GetStream().ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false; // kept open: served
        }
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await stream.ReadAsync(buffer, timeout.Token) is var n and > 0)
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        return text.ToString();
    }

    private static async Task<bool> ReachesAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (condition()) return true;
            await Task.Delay(100);
        }
        return condition();
    }
}
