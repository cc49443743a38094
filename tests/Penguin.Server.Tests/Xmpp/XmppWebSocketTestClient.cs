using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Penguin.Core.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// A minimal XMPP-over-WebSocket client (RFC 7395) on .NET's own ClientWebSocket: one element per message, framed
/// with &lt;open/&gt; and &lt;close/&gt;. Elements that arrive while a test waits for another are kept.
/// </summary>
internal sealed class XmppWebSocketTestClient : IAsyncDisposable
{
    public const string Framing = "urn:ietf:params:xml:ns:xmpp-framing";
    private readonly ClientWebSocket _socket;
    private readonly List<XElement> _kept = [];

    private XmppWebSocketTestClient(ClientWebSocket socket) => _socket = socket;

    public XElement Features { get; private set; } = null!;
    public XElement Open { get; private set; } = null!;
    public string Jid { get; private set; } = "";
    public string? SubProtocol => _socket.SubProtocol;

    public static async Task<XmppWebSocketTestClient> ConnectAsync(TestServer server, bool open = true, string protocol = "xmpp")
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(protocol);
        await socket.ConnectAsync(new UriBuilder(new Uri(server.BaseUri, "/xmpp-websocket")) { Scheme = "ws" }.Uri, CancellationToken.None);
        var client = new XmppWebSocketTestClient(socket);
        if (open) await client.OpenStreamAsync();
        return client;
    }

    public static async Task<XmppWebSocketTestClient> LoginAsync(TestServer server, long number, string resource = "ws")
    {
        var client = await ConnectAsync(server);
        Assert.True(await client.ScramAsync(number, User.Password), "SCRAM login over WebSocket failed");
        await client.BindAsync(resource);
        return client;
    }

    public async Task SendAsync(string xml) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(xml), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async Task OpenStreamAsync()
    {
        await SendAsync($"<open xmlns='{Framing}' to='localhost' version='1.0'/>");
        Open = await NextAsync();
        Assert.Equal(XName.Get("open", Framing), Open.Name);
        Features = await NextAsync();
    }

    /// <summary>The client's side of SCRAM-SHA-256; true on success (the server's signature checked).</summary>
    public async Task<bool> ScramAsync(long number, string password)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var clientFirstBare = $"n={number},r={nonce}";
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>{B64("n,," + clientFirstBare)}</auth>");
        var challenge = await NextAsync();
        if (challenge.Name.LocalName != "challenge") return false;
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Value));
        var parts = serverFirst.Split(',').ToDictionary(p => p[0], p => p[2..]);
        var algorithm = Scram.Algorithm(ScramMechanism.Sha256);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Scram.PreparePassword(password), Convert.FromBase64String(parts['s']),
            int.Parse(parts['i'], System.Globalization.CultureInfo.InvariantCulture), algorithm, 32);
        var clientKey = Scram.Hmac(algorithm, salted, "Client Key"u8);
        var storedKey = Scram.Hash(algorithm, clientKey);
        var withoutProof = $"c=biws,r={parts['r']}";
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var signature = Scram.Hmac(algorithm, storedKey, authMessage);
        var proof = clientKey.Select((b, i) => (byte)(b ^ signature[i])).ToArray();
        await SendAsync($"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{B64($"{withoutProof},p={Convert.ToBase64String(proof)}")}</response>");
        var outcome = await NextAsync();
        if (outcome.Name.LocalName != "success") return false;
        await OpenStreamAsync();
        return true;
    }

    public async Task<XElement> PlainAsync(long number, string password)
    {
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{B64($"\0{number}\0{password}")}</auth>");
        return await NextAsync();
    }

    public async Task BindAsync(string resource)
    {
        await SendAsync($"<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        var result = await ExpectAsync(e => (string?)e.Attribute("id") == "bind1");
        Assert.Equal("result", (string?)result.Attribute("type"));
        Jid = result.Descendants().Single(e => e.Name.LocalName == "jid").Value;
    }

    /// <summary>The next message from the server as an element (kept ones first); null when the WebSocket closed.</summary>
    public async Task<XElement> NextAsync(TimeSpan? timeout = null)
    {
        if (_kept.Count > 0)
        {
            var first = _kept[0];
            _kept.RemoveAt(0);
            return first;
        }
        return await ReceiveAsync(timeout) ?? throw new EndOfStreamException("The server closed the WebSocket.");
    }

    /// <summary>One whole message; null when the server closed the WebSocket.</summary>
    public async Task<XElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage) break;
        }
        // One complete XML document per message (RFC 7395 §3.3.3): parsing it alone proves the framing.
        return XElement.Parse(Encoding.UTF8.GetString(buffer, 0, length));
    }

    /// <summary>Reads until an element matches, keeping the others for later.</summary>
    public async Task<XElement> ExpectAsync(Func<XElement, bool> match)
    {
        var found = _kept.FirstOrDefault(match);
        if (found is not null)
        {
            _kept.Remove(found);
            return found;
        }
        while (true)
        {
            var next = await ReceiveAsync() ?? throw new EndOfStreamException("The server closed the WebSocket; kept: " + string.Join(" ", _kept));
            if (match(next)) return next;
            _kept.Add(next);
        }
    }

    public WebSocketState State => _socket.State;

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open) await SendAsync($"<close xmlns='{Framing}'/>");
        }
        catch (WebSocketException)
        {
        }
        _socket.Dispose();
    }
}
