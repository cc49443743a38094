using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Penguin.Core.Xmpp;
using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// A minimal XMPP client over a real TCP socket, for the integration tests: it writes raw XML and reads the server's
/// stream with the same safe reader the server uses. Stanzas that arrive while a test waits for another are kept.
/// </summary>
internal sealed class XmppTestClient : IAsyncDisposable
{
    public static readonly XNamespace Client = "jabber:client";
    private readonly TcpClient _tcp;
    private readonly string _domain;
    private Stream _stream;
    private XmppStreamReader _reader = null!;
    private readonly List<XElement> _kept = [];

    private XmppTestClient(TcpClient tcp, string domain)
    {
        _tcp = tcp;
        _domain = domain;
        _stream = tcp.GetStream();
    }

    public XElement Features { get; private set; } = null!;
    public X509Certificate? ServerCertificate { get; private set; }
    public string Jid { get; private set; } = "";

    public static async Task<XmppTestClient> ConnectAsync(TestServer server, string domain = "localhost")
    {
        var endPoint = server.Services.XmppEndPoint() ?? throw new InvalidOperationException("XMPP is not enabled.");
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint.Address, endPoint.Port);
        var client = new XmppTestClient(tcp, domain);
        await client.OpenStreamAsync();
        return client;
    }

    /// <summary>Logs in as <paramref name="number"/> after STARTTLS and binds <paramref name="resource"/>.</summary>
    public static async Task<XmppTestClient> LoginAsync(TestServer server, long number, string password = User.Password, string resource = "test",
        ScramMechanism mechanism = ScramMechanism.Sha256)
    {
        var client = await ConnectAsync(server);
        await client.StartTlsAsync();
        Assert.True(await client.ScramAsync(number, password, mechanism), "SCRAM login failed");
        await client.BindAsync(resource);
        return client;
    }

    public Task SendAsync(string xml) => SendBytesAsync(Encoding.UTF8.GetBytes(xml));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task OpenStreamAsync()
    {
        await SendAsync($"<?xml version='1.0'?><stream:stream to='{_domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
        _reader = new XmppStreamReader(_stream, 1024 * 1024, 64, maxNames: 100_000);
        await _reader.ReadHeaderAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Features = await NextAsync();
    }

    public async Task StartTlsAsync()
    {
        await SendAsync("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        Assert.Equal("proceed", (await NextAsync()).Name.LocalName);
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            // The test node's self-signed certificate: not from a trusted issuer, so the name is what is checked.
            ServerCertificate = certificate;
            return certificate?.Subject == $"CN={_domain}";
        });
        await tls.AuthenticateAsClientAsync(_domain);
        _stream = tls;
        await OpenStreamAsync();
    }

    /// <summary>The client's side of SCRAM (RFC 5802 §3); true on success (with the server's signature checked).</summary>
    public async Task<bool> ScramAsync(long number, string password, ScramMechanism mechanism = ScramMechanism.Sha256)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var clientFirstBare = $"n={number},r={nonce}";
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{Scram.Name(mechanism)}'>{B64("n,," + clientFirstBare)}</auth>");
        var challenge = await NextAsync();
        if (challenge.Name.LocalName != "challenge") return false;
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Value));
        var parts = serverFirst.Split(',').ToDictionary(p => p[0], p => p[2..]);
        var algorithm = Scram.Algorithm(mechanism);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Scram.PreparePassword(password), Convert.FromBase64String(parts['s']), int.Parse(parts['i'], System.Globalization.CultureInfo.InvariantCulture),
            algorithm, mechanism == ScramMechanism.Sha1 ? 20 : 32);
        var clientKey = Scram.Hmac(algorithm, salted, "Client Key"u8);
        var storedKey = Scram.Hash(algorithm, clientKey);
        var withoutProof = $"c=biws,r={parts['r']}";
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var signature = Scram.Hmac(algorithm, storedKey, authMessage);
        var proof = clientKey.Select((b, i) => (byte)(b ^ signature[i])).ToArray();
        await SendAsync($"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{B64($"{withoutProof},p={Convert.ToBase64String(proof)}")}</response>");
        var outcome = await NextAsync();
        LastSaslOutcome = outcome;
        if (outcome.Name.LocalName != "success") return false;
        var serverKey = Scram.Hmac(algorithm, salted, "Server Key"u8);
        Assert.Equal("v=" + Convert.ToBase64String(Scram.Hmac(algorithm, serverKey, authMessage)), Encoding.UTF8.GetString(Convert.FromBase64String(outcome.Value)));
        await OpenStreamAsync();
        return true;
    }

    public XElement? LastSaslOutcome { get; private set; }

    public async Task<XElement> PlainAsync(string authcid, string password)
    {
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{B64($"\0{authcid}\0{password}")}</auth>");
        var outcome = await NextAsync();
        if (outcome.Name.LocalName == "success") await OpenStreamAsync();
        return outcome;
    }

    public async Task BindAsync(string resource)
    {
        await SendAsync($"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        var result = await ExpectAsync(e => (string?)e.Attribute("id") == "bind1");
        Assert.Equal("result", (string?)result.Attribute("type"));
        Jid = result.Descendants().Single(e => e.Name.LocalName == "jid").Value;
    }

    /// <summary>The next stanza from the server (kept ones first).</summary>
    public async Task<XElement> NextAsync(TimeSpan? timeout = null)
    {
        if (_kept.Count > 0)
        {
            var first = _kept[0];
            _kept.RemoveAt(0);
            return first;
        }
        return await ReadAsync(timeout);
    }

    private async Task<XElement> ReadAsync(TimeSpan? timeout) =>
        await _reader.ReadStanzaAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(15)) ?? throw new EndOfStreamException("The server closed the stream.");

    /// <summary>The stanzas read while waiting for others, not yet taken.</summary>
    public IReadOnlyList<XElement> Kept => _kept;

    /// <summary>Takes the kept stanzas that match, in arrival order.</summary>
    public List<XElement> TakeKept(Func<XElement, bool> match)
    {
        var taken = _kept.Where(match).ToList();
        foreach (var e in taken) _kept.Remove(e);
        return taken;
    }

    /// <summary>Reads until a stanza matches, keeping the others for later.</summary>
    public async Task<XElement> ExpectAsync(Func<XElement, bool> match, TimeSpan? timeout = null)
    {
        var found = _kept.FirstOrDefault(match);
        if (found is not null)
        {
            _kept.Remove(found);
            return found;
        }
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("No matching stanza; kept: " + string.Join(" ", _kept.Select(k => k.ToString(SaveOptions.DisableFormatting))));
            var next = await ReadAsync(left);
            if (match(next)) return next;
            _kept.Add(next);
        }
    }

    /// <summary>The stream error the server ended with (reads past stanzas until it).</summary>
    public async Task<string> StreamErrorAsync()
    {
        var error = await ExpectAsync(e => e.Name.LocalName == "error" && e.Name.NamespaceName == "http://etherx.jabber.org/streams");
        return error.Elements().First().Name.LocalName;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The connection drops: the socket goes away without the stream being closed (a train enters a tunnel).</summary>
    public void Drop()
    {
        _tcp.Client.Close(0);
        _tcp.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        try { await SendAsync("</stream:stream>"); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        await _stream.DisposeAsync(); // first, so a read still waiting (a test that timed out) ends
        try { _reader?.Dispose(); } catch (InvalidOperationException) { }
        _tcp.Dispose();
    }
}
