using System.Buffers;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

namespace Penguin.Load.Net;

/// <summary>What an <see cref="XmppWireDevice"/> hands its owner, on its receive loop (one call at a time per device).</summary>
public interface IXmppEvents
{
    /// <summary>A chat message with a body arrived; <paramref name="clientId"/> is the load tool's id read from its text.</summary>
    void Received(ReadOnlySpan<byte> clientId);

    /// <summary>The connection has ended.</summary>
    void Closed();
}

/// <summary>
/// A lean XMPP client (RFC 6120/6121 c2s over plain TCP) for the load tool's <c>xmpp-chat</c> scenario, built like
/// <see cref="WireDevice"/>: read by an <see cref="EpollReactor"/> thread, the stream cut into elements by
/// <see cref="XmppScanner"/> without a DOM, stanzas composed from fixed bytes and written together in one
/// <c>send</c>. Login is what every server under test supports without TLS on loopback: stream, SASL SCRAM-SHA-1
/// (the server signature checked), stream restart, resource binding, a session when the server says it is
/// required, initial presence. After that it hands on each message with a body and answers the server's
/// <c>iq get</c> (pings) with an empty result; everything else is read and dropped.
/// </summary>
public sealed class XmppWireDevice : IReadable, IAsyncDisposable
{
    private const int MaxElement = 1024 * 1024;
    private readonly System.Net.Sockets.Socket _socket;
    private readonly int _fd;
    private readonly EpollReactor _reactor = EpollReactor.Next();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<string> _negotiation = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _sendLock = new();
    private readonly ArrayBufferWriter<byte> _out = new(16 * 1024);
    private byte[] _in = new byte[64 * 1024];
    private int _count;
    private int _slot = -1;
    private int _ending;
    private int _disposed;
    private volatile bool _ready;

    private XmppWireDevice(System.Net.Sockets.Socket socket, string domain)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        Domain = domain;
    }

    public string Domain { get; }

    /// <summary>The full JID the server bound (user@domain/resource).</summary>
    public string Jid { get; private set; } = "";

    /// <summary>Where messages go; set before traffic starts.</summary>
    public IXmppEvents? Events { get; set; }

    /// <summary>Completes when the connection has ended.</summary>
    public Task Completion => _ended.Task;

    /// <summary>Guards <see cref="Append"/> and <see cref="Flush"/>.</summary>
    public Lock SendLock => _sendLock;

    /// <summary>The stream error or SASL failure that ended the connection, if any.</summary>
    public string? Error { get; private set; }

    /// <summary>Pings (<c>iq get</c>) the server sent and this device answered.</summary>
    public int PingsAnswered => Volatile.Read(ref _pingsAnswered);

    private int _pingsAnswered;

    /// <summary>Connects to <paramref name="server"/> from the next source address and logs in as <paramref name="user"/>@<paramref name="domain"/>.</summary>
    /// <param name="register">First create the account by in-band registration (XEP-0077); an existing one is fine.</param>
    public static async Task<XmppWireDevice> ConnectAsync(LoopbackNetwork network, IPEndPoint server, string domain, string user, string password, string resource,
        bool register, CancellationToken ct)
    {
        var socket = network.ConnectSocket(server.Address.ToString(), server.Port);
        var device = new XmppWireDevice(socket, domain);
        try
        {
            device._slot = device._reactor.Add(device._fd, device);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await device.LogInAsync(user, password, resource, register, timeout.Token);
            return device;
        }
        catch
        {
            await device.DisposeAsync();
            throw;
        }
    }

    private async Task LogInAsync(string user, string password, string resource, bool register, CancellationToken ct)
    {
        var features = await OpenStreamAsync(ct);
        if (register)
        {
            Send($"<iq type='set' id='register'><query xmlns='jabber:iq:register'><username>{SecurityElement.Escape(user)}</username><password>{SecurityElement.Escape(password)}</password></query></iq>");
            var registered = await ExpectIqAsync("register", ct);
            if (!IsResult(registered) && !registered.Contains("<conflict", StringComparison.Ordinal))
                throw new IOException($"In-band registration was refused: {registered}");
        }
        if (!features.Contains(">SCRAM-SHA-1<", StringComparison.Ordinal))
            throw new IOException($"The server offers no SCRAM-SHA-1 without TLS (is plaintext c2s on loopback allowed?): {features}");
        var scram = new ScramSha1Client(user, password);
        Send($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>{scram.ClientFirst()}</auth>");
        var challenge = await ExpectAsync("challenge", ct);
        Send($"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{scram.ClientFinal(TextOf(challenge))}</response>");
        var success = await ExpectAsync("success", ct);
        if (!scram.VerifyServerFinal(TextOf(success))) throw new IOException("The server's SCRAM signature is wrong.");

        features = await OpenStreamAsync(ct);
        Send($"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        var bound = await ExpectIqAsync("bind", ct);
        var jid = Between(bound, "<jid>", "</jid>");
        if (!IsResult(bound) || jid is null)
            throw new IOException($"Resource binding failed: {bound}");
        Jid = jid;
        // RFC 3921's session: only when the server still requires it (RFC 6121 servers mark it optional or leave it out).
        var session = Between(features, "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'", "</session>")
            ?? Between(features, "<session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"", "</session>");
        if (session is not null && !session.Contains("<optional", StringComparison.Ordinal))
        {
            Send("<iq type='set' id='session'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
            var answer = await ExpectIqAsync("session", ct);
            if (!IsResult(answer)) throw new IOException($"The session was refused: {answer}");
        }
        _ready = true;
        Send("<presence/>"); // available: a server routes a bare-JID chat message only to an available resource
    }

    private async Task<string> OpenStreamAsync(CancellationToken ct)
    {
        Send($"<?xml version='1.0'?><stream:stream to='{Domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
        var open = await _negotiation.Reader.ReadAsync(ct);
        if (open != "stream") throw new IOException($"Expected the stream header, got {open}");
        return await ExpectAsync("stream:features", ct);
    }

    private async Task<string> ExpectAsync(string name, CancellationToken ct)
    {
        while (true)
        {
            string element;
            try
            {
                element = await _negotiation.Reader.ReadAsync(ct);
            }
            catch (ChannelClosedException)
            {
                throw new IOException($"The connection ended during login ({Error ?? "no stream error"}).");
            }
            var actual = Encoding.UTF8.GetString(XmppScanner.NameOf(Encoding.UTF8.GetBytes(element)));
            if (actual == name) return element;
            // A server may deliver what was pending as soon as the resource is bound, before the bind or session
            // result (Penguin sends a pending friend request's subscribe): not what login waits for, and not counted.
            if (actual is not ("presence" or "message")) throw new IOException($"Expected <{name}>, got {element}");
        }
    }

    /// <summary>The answer to our iq <paramref name="id"/>; other iqs before it (a roster push as soon as the resource is bound) are skipped.</summary>
    private async Task<string> ExpectIqAsync(string id, CancellationToken ct)
    {
        while (true)
        {
            var iq = await ExpectAsync("iq", ct);
            if (XmppScanner.TryAttribute(Encoding.UTF8.GetBytes(iq), "id"u8, out var actual) && actual.SequenceEqual(Encoding.UTF8.GetBytes(id))) return iq;
        }
    }

    private static bool IsResult(string iq) =>
        XmppScanner.TryAttribute(Encoding.UTF8.GetBytes(iq), "type"u8, out var type) && type.SequenceEqual("result"u8);

    private static string TextOf(string element)
    {
        var open = element.IndexOf('>', StringComparison.Ordinal);
        var close = element.LastIndexOf("</", StringComparison.Ordinal);
        return open < 0 || close <= open ? "" : element[(open + 1)..close];
    }

    private static string? Between(string text, string start, string end)
    {
        var at = text.IndexOf(start, StringComparison.Ordinal);
        if (at < 0) return null;
        at += start.Length;
        var stop = text.IndexOf(end, at, StringComparison.Ordinal);
        return stop < 0 ? text[at..] : text[at..stop];
    }

    private void Send(string xml)
    {
        lock (_sendLock)
        {
            Append(Encoding.UTF8.GetBytes(xml));
            Flush();
        }
    }

    /// <summary>Appends raw stream bytes (whole stanzas) to what <see cref="Flush"/> sends (hold <see cref="SendLock"/>).</summary>
    public void Append(ReadOnlySpan<byte> xml) => _out.Write(xml);

    /// <summary>Writes everything appended in one <c>send</c> (hold <see cref="SendLock"/>); a broken connection drops it (the receive loop ends it).</summary>
    public void Flush()
    {
        if (_out.WrittenCount == 0) return;
        try
        {
            var data = _out.WrittenSpan;
            while (data.Length > 0) data = data[_socket.Send(data)..];
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
        _out.ResetWrittenCount();
    }

    /// <summary>Ends the stream (<c>&lt;/stream:stream&gt;</c>) and waits up to 5 s for the server's before dropping the socket.</summary>
    public async Task CloseAsync()
    {
        if (!Completion.IsCompleted)
        {
            Send("</stream:stream>");
            await Task.WhenAny(Completion, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_slot < 0) End();
        try { _socket.Shutdown(System.Net.Sockets.SocketShutdown.Both); } catch (System.Net.Sockets.SocketException) { }
        await Completion;
        _socket.Dispose();
    }

    /// <summary>On the reactor's thread: reads what the kernel holds and handles every whole element in it.</summary>
    public void OnReadable()
    {
        if (Volatile.Read(ref _ending) == 1) return;
        try
        {
            while (true)
            {
                if (_count == _in.Length)
                {
                    if (_in.Length >= MaxElement) throw new IOException("An XMPP element is too large.");
                    Array.Resize(ref _in, _in.Length * 2);
                }
                var space = _in.Length - _count;
                var n = EpollReactor.ReceiveNow(_fd, _in.AsSpan(_count));
                if (n == -1) break;
                if (n <= 0 || !Process(n))
                {
                    End();
                    return;
                }
                if (n < space) break;
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or IOException or FormatException or InvalidOperationException)
        {
            Error ??= e.Message;
            End();
        }
    }

    /// <summary>Handles the whole elements now in the buffer; false once the server ended the stream.</summary>
    private bool Process(int received)
    {
        _count += received;
        var at = 0;
        var open = true;
        while (open)
        {
            var piece = XmppScanner.Next(_in.AsSpan(at, _count - at), out var start, out var length);
            if (piece == XmppPiece.Incomplete) break;
            var element = _in.AsSpan(at + start, length - start);
            at += length;
            open = Handle(piece, element);
        }
        Buffer.BlockCopy(_in, at, _in, 0, _count - at);
        _count -= at;
        return open;
    }

    private bool Handle(XmppPiece piece, ReadOnlySpan<byte> element)
    {
        switch (piece)
        {
            case XmppPiece.StreamOpen:
                _negotiation.Writer.TryWrite("stream");
                return true;
            case XmppPiece.StreamClose:
                return false;
            case XmppPiece.Element:
                break;
            default:
                return true;
        }
        var name = XmppScanner.NameOf(element);
        if (name.SequenceEqual("stream:error"u8))
        {
            Error = "stream error: " + Encoding.UTF8.GetString(element);
            return false;
        }
        if (!_ready)
        {
            if (name.SequenceEqual("failure"u8)) Error = "SASL failure: " + Encoding.UTF8.GetString(element);
            _negotiation.Writer.TryWrite(Encoding.UTF8.GetString(element));
            return true;
        }
        if (name.SequenceEqual("message"u8))
        {
            if (XmppScanner.TryBody(element, out var text) && XmppScanner.TryClientIdInText(text, out var clientId)) Events?.Received(clientId);
        }
        else if (name.SequenceEqual("iq"u8) && XmppScanner.TryAttribute(element, "type"u8, out var type) && type.SequenceEqual("get"u8))
            AnswerIq(element);
        return true;
    }

    /// <summary>An empty result for the server's <c>iq get</c> (XEP-0199 ping; this client offers nothing else).</summary>
    private void AnswerIq(ReadOnlySpan<byte> iq)
    {
        XmppScanner.TryAttribute(iq, "id"u8, out var id);
        var hasFrom = XmppScanner.TryAttribute(iq, "from"u8, out var from);
        lock (_sendLock)
        {
            Append("<iq type='result' id='"u8);
            Append(id);
            if (hasFrom)
            {
                Append("' to='"u8);
                Append(from);
            }
            Append("'/>"u8);
            Flush();
        }
        Interlocked.Increment(ref _pingsAnswered);
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _ending, 1) == 1) return;
        if (_slot >= 0) _reactor.Remove(_fd, _slot);
        try { _socket.Shutdown(System.Net.Sockets.SocketShutdown.Both); } catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException) { }
        _negotiation.Writer.TryComplete();
        Events?.Closed();
        _ended.TrySetResult();
    }
}

/// <summary>The client side of SASL SCRAM-SHA-1 (RFC 5802), without channel binding; messages are base64 as XMPP carries them.</summary>
public sealed class ScramSha1Client(string user, string password, string? nonce = null)
{
    private readonly string _nonce = nonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private string _clientFirstBare = "";
    private string _authMessage = "";
    private byte[] _saltedPassword = [];

    public string ClientFirst()
    {
        _clientFirstBare = $"n={user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_nonce}";
        return Convert.ToBase64String(Encoding.UTF8.GetBytes("n,," + _clientFirstBare));
    }

    /// <summary>Answers the server's first message (base64 "r=…,s=…,i=…") with the proof.</summary>
    public string ClientFinal(string serverFirstBase64)
    {
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(serverFirstBase64));
        var fields = serverFirst.Split(',').Where(f => f.Length > 2 && f[1] == '=').ToDictionary(f => f[0], f => f[2..]);
        if (!fields.TryGetValue('r', out var combined) || !combined.StartsWith(_nonce, StringComparison.Ordinal)
            || !fields.TryGetValue('s', out var salt) || !fields.TryGetValue('i', out var iterationText) || !int.TryParse(iterationText, out var iterations) || iterations < 1)
            throw new IOException($"A malformed SCRAM challenge: {serverFirst}");
#pragma warning disable CA5350, CA5379 // SCRAM-SHA-1 is the mechanism every server under test offers without TLS; this is a load tool's login
        _saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt), iterations, HashAlgorithmName.SHA1, 20);
        var withoutProof = $"c=biws,r={combined}";
        _authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        var clientKey = HMACSHA1.HashData(_saltedPassword, "Client Key"u8);
        var signature = HMACSHA1.HashData(SHA1.HashData(clientKey), Encoding.UTF8.GetBytes(_authMessage));
#pragma warning restore CA5350, CA5379
        for (var i = 0; i < clientKey.Length; i++) clientKey[i] ^= signature[i];
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(clientKey)}"));
    }

    /// <summary>Whether the server's final message (base64 "v=…") proves it knows the password too.</summary>
    public bool VerifyServerFinal(string serverFinalBase64)
    {
        var serverFinal = Encoding.UTF8.GetString(Convert.FromBase64String(serverFinalBase64));
        if (!serverFinal.StartsWith("v=", StringComparison.Ordinal)) return false;
#pragma warning disable CA5350 // see above
        var serverKey = HMACSHA1.HashData(_saltedPassword, "Server Key"u8);
        var expected = HMACSHA1.HashData(serverKey, Encoding.UTF8.GetBytes(_authMessage));
#pragma warning restore CA5350
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(serverFinal[2..]));
    }
}
