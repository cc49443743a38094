using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Xmpp;
using Penguin.Protocol;
using Penguin.Server.Features.Accounts;
using Penguin.Server.Gateway;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// One client-to-server XMPP stream (RFC 6120): stream negotiation (STARTTLS, SASL, resource binding), then the
/// stanzas of the bound resource (XmppConnection.Stanzas.cs), which is a Penguin device session delivered to through
/// the gateway's <see cref="Connection"/>. A stream error ends only this stream.
/// </summary>
internal sealed partial class XmppConnection : IDisposable
{
    private readonly XmppServices _services;
    private readonly ILogger _logger;
    private readonly XmppOptions _options;
    private Stream _network;
    private IPAddress _remote;
#pragma warning disable CA2213 // see Dispose
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    /// <summary>Cancels a write the client does not take within the slow-consumer timeout (under the write lock).</summary>
    private readonly CancellationTokenSource _slowConsumer = new();
#pragma warning restore CA2213
    private const int PendingStartBytes = 1024;
    /// <summary>The most bytes a burst gathers before they are sent anyway; a larger buffer is not kept afterwards.</summary>
    private const int PendingKeptBytes = 32 * 1024;
    /// <summary>Bytes written but not sent yet (under the write lock; see <see cref="WriteBytesAsync"/>).</summary>
    private ArrayBufferWriter<byte> _pending = new(PendingStartBytes);
    private readonly CancellationTokenSource _closed = new();
    private readonly string _address;
    /// <summary>XMPP over WebSocket (RFC 7395): framed header and end, no STARTTLS (TLS is the HTTP layer's).</summary>
    private bool _webSocket;
    private Stream _transport;
    private XmppStreamReader? _reader;
    private bool _secure;
    private bool _headerSent;
    private int _ended;
    private long _userId;
    private string _resource = "";
    private SessionContext? _session;
    private Connection? _connection;

    /// <param name="webSocket">Whether <paramref name="network"/> is an <see cref="XmppWebSocketStream"/>.</param>
    /// <param name="secure">Whether the transport is already encrypted (a WebSocket over HTTPS).</param>
    public XmppConnection(XmppServices services, Stream network, IPAddress remote, bool webSocket = false, bool secure = false)
    {
        _webSocket = webSocket;
        _secure = secure;
        _services = services;
        _logger = services.Logger;
        _options = services.Options;
        _network = network;
        _transport = network;
        _remote = remote;
        _address = remote.ToString();
    }

    private string Domain => _options.Domain;

    private string FullJid => $"{_userId}@{Domain}/{_resource}";

    private bool Loopback => IPAddress.IsLoopback(_remote);

    /// <summary>
    /// On TCP, authentication without TLS is allowed only on loopback and only when the operator said so. Over
    /// WebSocket, TLS is the HTTP layer's (often a proxy in front): SCRAM, which never shows the password, is allowed
    /// wherever a native login over HTTP is.
    /// </summary>
    private bool MayAuthenticate => _secure || _webSocket || PlaintextLoopback;

    /// <summary>
    /// PLAIN shows the password: only inside TLS, or on loopback when the operator allowed plaintext there — over a
    /// WebSocket, or over TCP when PLAIN itself was allowed too (load tools that speak nothing else).
    /// </summary>
    private bool MayUsePlain => _secure || (PlaintextLoopback && (_webSocket || _options.AllowPlainAuthOnLoopback));

    private bool PlaintextLoopback => _options.AllowPlaintextOnLoopback && Loopback;

    /// <summary>Serves the stream until it ends.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var stop = stopping.Register(() => _ = EndAsync("system-shutdown", null));
        try
        {
            // Negotiation must be done within the auth timeout, as a WebSocket must authenticate within it.
            using (var negotiation = new CancellationTokenSource(_services.Server.AuthTimeout, _services.Time))
            using (negotiation.Token.Register(() => _ = EndAsync("connection-timeout", null)))
            {
                await NegotiateAsync();
            }
            if (_handedOver is { } served)
            {
                await served; // this transport now serves the resumed stream until it is done with it
                return;
            }
            while (true)
            {
                try
                {
                    await ServeAsync();
                    break;
                }
                catch (Exception e) when (IsTransportLoss(e))
                {
                    if (!await AwaitResumptionAsync()) break;
                }
            }
        }
        catch (XmppStreamException e)
        {
            await EndAsync(e.Condition, e.Text);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException
                                       or AuthenticationException or InvalidOperationException or WebSocketException)
        {
            // The client went away, the stream was ended, or the TLS handshake failed.
        }
        catch (StorageUnavailableException)
        {
            await EndAsync("internal-server-error", "Storage unavailable / 存储暂不可用");
        }
        catch (Exception e)
        {
            LogStreamFailed(e);
            await EndAsync("internal-server-error", null);
        }
        finally
        {
            if (_smId is not null) _services.Resumption.Remove(_smId);
            await CleanUpAsync();
            _borrowed?.TrySetResult();
        }
    }

    /// <summary>Stream header, features, then STARTTLS and SASL (each restarting the stream) until a resource is bound.</summary>
    private async Task NegotiateAsync()
    {
        var authenticated = false;
        var failures = 0;
        await RestartAsync(authenticated);
        while (_session is null && _handedOver is null)
        {
            var element = await _reader!.ReadStanzaAsync() ?? throw new EndOfStreamException();
            if (element.Name == Tls + "starttls" && !_secure && !_webSocket && !authenticated)
            {
                await WriteAsync(new XElement(Tls + "proceed"));
                var tls = new SslStream(_network, leaveInnerStreamOpen: true);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _services.Certificate.Value,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateRequired = false,
                }, _closed.Token);
                _transport = tls;
                _secure = true;
                await RestartAsync(authenticated);
            }
            else if (element.Name == Sasl + "auth" && !authenticated)
            {
                if (!MayAuthenticate)
                {
                    await WriteAsync(SaslFailure("encryption-required", "Start TLS first / 请先启用 TLS"));
                    continue;
                }
                if (await AuthenticateAsync(element))
                {
                    authenticated = true;
                    await RestartAsync(authenticated);
                }
                else if (++failures >= 3)
                {
                    throw new XmppStreamException("policy-violation", "Too many failed attempts / 失败次数过多");
                }
            }
            else if (element.Name == Sm + "resume" && authenticated)
            {
                await TryResumeAsync(element);
            }
            else if (element.Name == Sm + "enable" && authenticated)
            {
                await WriteAsync(SmFailed("unexpected-request")); // bind first
            }
            else if (element.Name == Client + "iq" && authenticated)
            {
                await NegotiationIqAsync(element);
            }
            else
            {
                throw new XmppStreamException("not-authorized", authenticated ? "Bind a resource first / 请先绑定资源" : "Authenticate first / 请先登录");
            }
        }
    }

    /// <summary>
    /// What a stream may say before it authenticates: STARTTLS and SASL, nothing else (anything else is
    /// not-authorized, as <see cref="NegotiateAsync"/> says). The reader refuses other names before making them, so a
    /// stranger cannot fill the process-wide name tables (see <see cref="XmppStreamReader.Allowed"/>).
    /// </summary>
    private static readonly StanzaNames Unauthenticated = new(
        [Tls + "starttls", Sasl + "auth", Sasl + "response", Sasl + "abort"], ["mechanism"],
        "not-authorized", "Authenticate first / 请先登录");

    /// <summary>A new stream (at the start, after TLS, after SASL): read the client's header, answer ours and the features.</summary>
    private async Task RestartAsync(bool authenticated)
    {
        _reader?.Dispose();
        _reader = new XmppStreamReader(_transport, _options.MaxStanzaBytes, _options.MaxStanzaDepth, _options.MaxStreamNames)
        {
            Allowed = authenticated ? null : Unauthenticated,
        };
        _headerSent = false;
        var header = await _reader.ReadHeaderAsync();
        await SendHeaderAsync();
        if (header.DefaultNamespace != Client.NamespaceName) throw new XmppStreamException("invalid-namespace", "Clients use the jabber:client namespace.");
        if (header.Version is null || !header.Version.StartsWith("1.", StringComparison.Ordinal)) throw new XmppStreamException("unsupported-version", "XMPP 1.0 is required.");
        if (header.To is null || !string.Equals(header.To, Domain, StringComparison.OrdinalIgnoreCase)) throw new XmppStreamException("host-unknown", $"This server serves {Domain}.");

        var features = new XElement(Streams + "features", new XAttribute(XNamespace.Xmlns + "stream", Streams));
        if (!authenticated)
        {
            if (!_secure && !_webSocket) features.Add(new XElement(Tls + "starttls", MayAuthenticate ? null : new XElement(Tls + "required")));
            if (MayAuthenticate)
            {
                var mechanisms = new XElement(Sasl + "mechanisms",
                    new XElement(Sasl + "mechanism", "SCRAM-SHA-256"),
                    new XElement(Sasl + "mechanism", "SCRAM-SHA-1"));
                if (MayUsePlain) mechanisms.Add(new XElement(Sasl + "mechanism", "PLAIN"));
                features.Add(mechanisms);
            }
        }
        else
        {
            features.Add(new XElement(Bind + "bind"), new XElement(Session + "session", new XElement(Session + "optional")),
                new XElement(XNamespace.Get("urn:xmpp:features:rosterver") + "ver"), new XElement(Sm + "sm"));
        }
        features.Add(XmppCaps.Element(XmppCaps.ServerVer)); // XEP-0115 §6.3: the server's capabilities
        await WriteAsync(features);
    }

    private async Task SendHeaderAsync()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        if (_webSocket)
            await WriteRawAsync($"<open xmlns='{XmppWebSocketStream.Framing}' id='{id}' from='{Domain}' version='1.0' xml:lang='en'/>");
        else
            await WriteRawAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='{id}' from='{Domain}' version='1.0' xml:lang='en'>");
        _headerSent = true;
    }

    // ---- SASL (RFC 6120 §6) ----

    private async Task<bool> AuthenticateAsync(XElement auth)
    {
        var mechanism = (string?)auth.Attribute("mechanism");
        if (Base64(auth.Value) is not { } initial)
        {
            await WriteAsync(SaslFailure("incorrect-encoding", null));
            return false;
        }
        switch (mechanism)
        {
            case "SCRAM-SHA-256": return await ScramAsync(ScramMechanism.Sha256, initial);
            case "SCRAM-SHA-1": return await ScramAsync(ScramMechanism.Sha1, initial);
            case "PLAIN" when MayUsePlain: return await PlainAsync(initial);
            default:
                await WriteAsync(SaslFailure("invalid-mechanism", null));
                return false;
        }
    }

    private async Task<bool> PlainAsync(byte[] message)
    {
        // authzid NUL authcid NUL password (RFC 4616)
        var parts = Encoding.UTF8.GetString(message).Split('\0');
        if (parts.Length != 3 || AccountOf(parts[1]) is not { } number || (parts[0].Length > 0 && AccountOf(parts[0]) != number))
        {
            await WriteAsync(SaslFailure("not-authorized", null));
            return false;
        }
        var error = await _services.Accounts.VerifyPasswordAsync(number, parts[2], _address, _closed.Token);
        return await AnswerAsync(number, error, null);
    }

    private async Task<bool> ScramAsync(ScramMechanism mechanism, byte[] clientFirst)
    {
        var exchange = new ScramExchange(mechanism);
        if (exchange.ReadClientFirst(Encoding.UTF8.GetString(clientFirst)) is { } malformed)
        {
            await WriteAsync(SaslFailure("malformed-request", malformed));
            return false;
        }
        var number = AccountOf(exchange.Username);
        if (exchange.AuthorizationId is { Length: > 0 } authzid && AccountOf(authzid) != number)
        {
            await WriteAsync(SaslFailure("invalid-authzid", null));
            return false;
        }
        var credential = number is { } n ? await _services.Credentials.FindAsync(n, mechanism, _closed.Token) : null;
        var serverFirst = exchange.ServerFirst(credential?.Salt ?? _services.Credentials.FakeSalt(exchange.Username, mechanism), credential?.Iterations ?? Scram.DefaultIterations);
        await WriteAsync(new XElement(Sasl + "challenge", Convert.ToBase64String(Encoding.UTF8.GetBytes(serverFirst))));

        var response = await _reader!.ReadStanzaAsync() ?? throw new EndOfStreamException();
        if (response.Name == Sasl + "abort")
        {
            await WriteAsync(SaslFailure("aborted", null));
            return false;
        }
        if (response.Name != Sasl + "response") throw new XmppStreamException("not-authorized", "Expected the SASL response.");
        if (Base64(response.Value) is not { } clientFinal)
        {
            await WriteAsync(SaslFailure("incorrect-encoding", null));
            return false;
        }
        string? serverFinal = null;
        var final = Encoding.UTF8.GetString(clientFinal);
        if (number is not { } account)
        {
            exchange.VerifyClientFinal(final, null); // the same work as for an account, then the same answer
            return await AnswerAsync(0, Errors.AuthFailed, null);
        }
        var error = await _services.Accounts.CheckCredentialsAsync(account, _address, _ =>
        {
            serverFinal = exchange.VerifyClientFinal(final, credential);
            return ValueTask.FromResult(serverFinal is not null);
        }, _closed.Token);
        return await AnswerAsync(account, error, serverFinal);
    }

    private async Task<bool> AnswerAsync(long number, Error? error, string? serverFinal)
    {
        if (error is null)
        {
            _userId = number;
            await WriteAsync(new XElement(Sasl + "success", serverFinal is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(serverFinal))));
            LogAuthenticated(number);
            return true;
        }
        if (error == Errors.Throttled) await WriteAsync(SaslFailure("temporary-auth-failure", $"{error.Message} / {error.MessageZh}"));
        else if (error == Errors.AccountDisabled) await WriteAsync(SaslFailure("account-disabled", $"{error.Message} / {error.MessageZh}"));
        else await WriteAsync(SaslFailure("not-authorized",
            "Wrong account number or password. If XMPP was just enabled, log in once with a Penguin app first. / 账号或密码错误；若刚启用 XMPP，请先用企鹅客户端登录一次。"));
        return false;
    }

    /// <summary>The account number an authentication identity names: "10001" or "10001@domain".</summary>
    private long? AccountOf(string identity) =>
        (identity.Contains('@', StringComparison.Ordinal) ? Jid.Parse(identity) : Jid.Parse($"{identity}@{Domain}"))?.NumberAt(Domain);

    private static byte[]? Base64(string text)
    {
        text = text.Trim();
        if (text == "=") return [];
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static XElement SaslFailure(string condition, string? text) =>
        new(Sasl + "failure", new XElement(Sasl + condition), text is null ? null : new XElement(Sasl + "text", text));

    // ---- Resource binding (RFC 6120 §7) ----

    private async Task NegotiationIqAsync(XElement iq)
    {
        var id = (string?)iq.Attribute("id");
        var type = (string?)iq.Attribute("type");
        var bind = iq.Element(Bind + "bind");
        if (type == "set" && bind is not null)
        {
            var requested = bind.Element(Bind + "resource")?.Value.Trim();
            var resource = string.IsNullOrEmpty(requested) ? "penguin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) : requested;
            // The resource names the device session ("XMPP <resource>"), within the native device-name limit.
            if (resource.Length > Limits.DeviceNameMaxLength - 5 || resource.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || !Validation.IsDisplayable(resource))
            {
                await WriteAsync(IqError(iq, "modify", "bad-request", "The resource must be 1 to 35 visible characters without spaces. / 资源名须为 1 到 35 个可见字符，且不含空格。"));
                return;
            }
            await BindAsync(resource);
            await WriteAsync(new XElement(Client + "iq", new XAttribute("type", "result"), id is null ? null : new XAttribute("id", id),
                new XElement(Bind + "bind", new XElement(Bind + "jid", FullJid))));
            return;
        }
        if (type is "get" or "set") await WriteAsync(IqError(iq, "cancel", "not-allowed", "Bind a resource first / 请先绑定资源"));
    }

    /// <summary>
    /// The resource becomes a device session (the same one when this resource logs in again) and is registered for
    /// delivery like a WebSocket device: from the last event any device acknowledged, so what no device received —
    /// offline messages — arrives now, in order, and live events follow. Another stream of the same resource ends (conflict).
    /// </summary>
    private async Task BindAsync(string resource)
    {
        _resource = resource;
        var (session, evicted) = await _services.Accounts.OpenNamedSessionAsync(_userId, DeviceKind.Pc, "XMPP " + resource, _closed.Token);
        foreach (var id in evicted) await _services.Bus.PublishAsync(_userId, AccountEndpoints.Ended(id), CancellationToken.None);
        var connection = new Connection(new XmppFrameSocket(this), _services.Log, _services.Server.OutboundQueueLimit, _services.Time, _services.Logger) { Session = session };
        var acked = await _services.Store.GetAckedSeqAsync(_userId, _closed.Token);
        var head = await _services.Log.HeadAsync(_userId, _closed.Token);
        connection.StartAt(Math.Min(acked, head));
        _session = session;
        _connection = connection;
        foreach (var old in await _services.Registry.AddAsync(connection))
            old.EndWith(new SessionEnded(Errors.SessionReplaced.Code, Errors.SessionReplaced.Message, Errors.SessionReplaced.MessageZh), CloseCodes.Replaced);
        connection.CatchUp(0, from: null);
        await _services.Accounts.TouchAsync(session, _closed.Token);
    }

    // ---- Writing ----

    internal Task WriteAsync(XElement element) =>
        WriteRawAsync(element.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces), _smEnabled && IsStanza(element));

    private Task WriteRawAsync(string xml, bool stanza = false) => WriteBytesAsync(Encoding.UTF8.GetBytes(xml), stanza);

    /// <summary>A stanza built without a DOM (<see cref="LeanStanza"/>).</summary>
    private Task WriteAsync(LeanStanza stanza) => WriteBytesAsync(stanza.Bytes, _smEnabled);

    /// <summary>
    /// One writer at a time (the receive loop answers, the delivery pump pushes). While <see cref="FlushHold"/> is set in
    /// the writer's flow (more stanzas of a burst are surely coming from it), a TCP stream only gathers the bytes; the next
    /// write without it sends everything gathered with one system call. A WebSocket sends each stanza as its own message.
    /// A client that stops reading blocks the write; past the slow-consumer timeout the stream is cut, as a WebSocket
    /// would be. With stream management a stanza is counted and kept until acknowledged; a resumable stream whose
    /// transport failed only keeps it.
    /// </summary>
    private async Task WriteBytesAsync(ReadOnlyMemory<byte> bytes, bool stanza)
    {
        await _writeLock.WaitAsync(_closed.Token);
        var overflow = false;
        try
        {
            if (stanza) overflow = !Keep(Encoding.UTF8.GetString(bytes.Span));
            if (_transportDead) return;
            _pending.Write(bytes.Span);
            // Asks for an acknowledgement now and then, so the kept stanzas stay few.
            if (stanza && _unacked.Count % 10 == 0) _pending.Write("<r xmlns='urn:xmpp:sm:3'/>"u8);
            if (!_webSocket && FlushHold.IsHeld && _pending.WrittenCount < PendingKeptBytes) return;
            await SendPendingAsync();
        }
        finally
        {
            _writeLock.Release();
        }
        if (overflow) _ = EndAsync("policy-violation", "Too many unacknowledged stanzas / 未确认的消息节过多");
    }

    /// <summary>Sends what an earlier held write gathered (nothing when nothing is gathered).</summary>
    internal async Task FlushAsync()
    {
        if (_pending.WrittenCount == 0) return;
        await _writeLock.WaitAsync(_closed.Token);
        try
        {
            if (!_transportDead) await SendPendingAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Under the write lock: sends the gathered bytes, within the slow-consumer timeout.</summary>
    private async Task SendPendingAsync()
    {
        if (_pending.WrittenCount == 0) return;
        try
        {
            // One timer for every write of the stream (re-armed, not created per write); the end of the stream
            // disposes the transport, which stops a write as well.
            _slowConsumer.CancelAfter(_services.Server.SlowConsumerTimeout);
            await _transport.WriteAsync(_pending.WrittenMemory, _slowConsumer.Token);
            await _transport.FlushAsync(_slowConsumer.Token);
            _slowConsumer.TryReset();
        }
        catch (OperationCanceledException)
        {
            _closed.Cancel();
            _network.Dispose();
            throw;
        }
        catch (Exception e) when (Resumable && e is IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException or NotSupportedException)
        {
            _transportDead = true;
            _network.Dispose(); // wakes the reader, which detaches the stream
        }
        finally
        {
            ForgetPending();
        }
    }

    /// <summary>Under the write lock: drops the gathered bytes (sent, or for a transport that is gone); a burst's large buffer is not kept.</summary>
    private void ForgetPending()
    {
        if (_pending.Capacity > 2 * PendingKeptBytes) _pending = new ArrayBufferWriter<byte>(PendingStartBytes);
        else _pending.ResetWrittenCount();
    }

    /// <summary>Ends the stream with a stream error (or none when <paramref name="condition"/> is null), then closes the socket.</summary>
    private async Task EndAsync(string? condition, string? text)
    {
        if (_handedOver is not null || Interlocked.Exchange(ref _ended, 1) == 1) return;
        try
        {
            // Over WebSocket each part is its own message and the end is <close/>.
            var parts = new List<string>();
            if (!_headerSent) await SendHeaderAsync();
            if (condition is not null)
            {
                var error = new XElement(Streams + "error", new XAttribute(XNamespace.Xmlns + "stream", Streams),
                    new XElement(XName.Get(condition, StreamErrors)),
                    text is null ? null : new XElement(XName.Get("text", StreamErrors), text));
                parts.Add(error.ToString(SaveOptions.DisableFormatting));
            }
            parts.Add(_webSocket ? $"<close xmlns='{XmppWebSocketStream.Framing}'/>" : "</stream:stream>");
            if (!_webSocket) parts = [string.Concat(parts)];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(2)))
            {
                try
                {
                    if (_pending.WrittenCount > 0 && !_transportDead) await _transport.WriteAsync(_pending.WrittenMemory, timeout.Token);
                    ForgetPending();
                    foreach (var part in parts) await _transport.WriteAsync(Encoding.UTF8.GetBytes(part), timeout.Token);
                    await _transport.FlushAsync(timeout.Token);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or NotSupportedException or WebSocketException)
        {
            // The client is already gone.
        }
        finally
        {
            _closed.Cancel();
            _network.Dispose();
        }
    }

    /// <summary>The gateway ended the device (replaced by the same resource, logged out, too slow or silent).</summary>
    internal Task EndFromGatewayAsync(WebSocketCloseStatus status) => status switch
    {
        CloseCodes.Replaced => EndAsync("conflict", "Replaced by a new login of this resource / 此资源已在别处登录"),
        CloseCodes.SessionRevoked => EndAsync("not-authorized", "Session ended / 会话已结束"),
        CloseCodes.SlowConsumer => EndAsync("policy-violation", "Too slow to read / 读取过慢"),
        CloseCodes.HeartbeatTimeout => EndAsync("connection-timeout", null),
        CloseCodes.ServerStopping => EndAsync("system-shutdown", null),
        _ => EndAsync("reset", null),
    };

    private async Task CleanUpAsync()
    {
        _closed.Cancel();
        await _network.DisposeAsync();
        if (_connection is not { } connection) return;
        connection.Abort();
        await connection.WhenDrained();
        await _services.Registry.RemoveAsync(connection);
        var session = connection.Session!;
        var lastOfSession = !_services.Registry.HasSession(session.UserId, session.SessionId);
        foreach (var observer in _services.Observers)
        {
            try
            {
                await observer.OnClosedAsync(connection, lastOfSession);
            }
            catch (StorageUnavailableException)
            {
                // Presence in the database expires with this node's rows.
            }
        }
    }

    public void Dispose()
    {
        _closed.Dispose();
        _reader?.Dispose();
        // The write lock and the write timer are left to the collector: a delivery racing the end may still use them.
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "XMPP stream authenticated account {UserId}")]
    private partial void LogAuthenticated(long userId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "An XMPP stream failed")]
    private partial void LogStreamFailed(Exception e);
}
