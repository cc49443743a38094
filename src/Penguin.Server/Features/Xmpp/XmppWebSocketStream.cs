using System.Net.WebSockets;
using System.Security;
using System.Text;
using System.Xml;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XMPP over WebSocket (RFC 7395) as the byte stream the TCP path already serves, so both share one stream handler
/// and one parser: each text message in is one framing element or stanza; <c>&lt;open/&gt;</c> becomes a stream
/// header (a fresh document for the fresh reader of each stream restart), <c>&lt;close/&gt;</c> the end of the
/// stream, anything else passes through to the parser as it came. Each write out is one message (the connection
/// writes one element at a time and frames the header and the end itself).
/// </summary>
internal sealed class XmppWebSocketStream(WebSocket socket, int maxMessageBytes) : Stream
{
    public const string Framing = "urn:ietf:params:xml:ns:xmpp-framing";

    private static readonly XmlReaderSettings OpenSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 4096,
        ConformanceLevel = ConformanceLevel.Document,
    };

    private readonly CancellationTokenSource _gone = new();
    private byte[] _pending = [];
    private int _offset;
    private int _disposed;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset >= _pending.Length)
        {
            if (await ReceiveAsync(cancellationToken) is not { } next) return 0;
            _pending = next;
            _offset = 0;
        }
        var n = Math.Min(buffer.Length, _pending.Length - _offset);
        _pending.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>The next message, translated to stream bytes; null when the client closed the WebSocket.</summary>
    private async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gone.Token);
        var buffer = new byte[Math.Min(maxMessageBytes, 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                // A message is one stanza: it may not grow past the stanza limit (the parser below enforces it too).
                if (buffer.Length >= maxMessageBytes) throw new XmppStreamException("policy-violation", "Stanza too large / 消息节过大");
                Array.Resize(ref buffer, Math.Min(maxMessageBytes, buffer.Length * 2));
            }
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), linked.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            if (result.MessageType != WebSocketMessageType.Text) throw new XmppStreamException("bad-format", "XMPP over WebSocket uses text messages / 须使用文本消息");
            length += result.Count;
            if (result.EndOfMessage) break;
        }
        return Translate(buffer.AsSpan(0, length));
    }

    private static byte[] Translate(ReadOnlySpan<byte> message)
    {
        var start = 0;
        while (start < message.Length && message[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') start++;
        var body = message[start..];
        if (IsElement(body, "open"u8)) return Encoding.UTF8.GetBytes(HeaderOf(body));
        if (IsElement(body, "close"u8)) return "</stream:stream>"u8.ToArray();
        return message.ToArray();
    }

    /// <summary>Whether the message is the element <paramref name="name"/> (&lt;open ...&gt;, &lt;close/&gt;).</summary>
    private static bool IsElement(ReadOnlySpan<byte> body, ReadOnlySpan<byte> name) =>
        body.Length > name.Length + 1 && body[0] == '<' && body[1..].StartsWith(name) &&
        body[name.Length + 1] is (byte)' ' or (byte)'/' or (byte)'>' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>The TCP stream header that an &lt;open/&gt; stands for: the parser then checks it like any header.</summary>
    private static string HeaderOf(ReadOnlySpan<byte> open)
    {
        string? to, version, lang;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(open.ToArray()), OpenSettings);
            reader.MoveToContent();
            if (reader.LocalName != "open" || reader.NamespaceURI != Framing)
                throw new XmppStreamException("invalid-namespace", $"Expected <open xmlns='{Framing}'/>.");
            to = reader.GetAttribute("to");
            version = reader.GetAttribute("version");
            lang = reader.GetAttribute("xml:lang");
        }
        catch (XmlException)
        {
            throw new XmppStreamException("not-well-formed", "Malformed <open/> / <open/> 格式错误");
        }
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'" +
               Attribute("to", to) + Attribute("version", version) + Attribute("xml:lang", lang) + ">";
    }

    private static string Attribute(string name, string? value) => value is null ? "" : $" {name}='{SecurityElement.Escape(value)}'";

    /// <summary>One write is one message.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await socket.SendAsync(buffer, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush() { }

    /// <summary>Closes the WebSocket (briefly waiting to say so) and stops any read still waiting.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client is already gone.
        }
        finally
        {
            await _gone.CancelAsync();
            _gone.Dispose();
        }
        await base.DisposeAsync(); // Dispose(true) then finds the work done
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _ = DisposeAsync().AsTask();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
