using System.Xml;
using System.Xml.Linq;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// Reads one XMPP stream incrementally and safely: the stream header, then one top-level element (stanza) at a time
/// as an <see cref="XElement"/>. What RFC 6120 §11.1 restricts — a DTD, entity declarations or references beyond the
/// five predefined ones, comments, processing instructions — ends the stream with restricted-xml; anything not well
/// formed with not-well-formed; a stanza beyond the byte or depth limit, or a stream beyond its budget of distinct
/// names (<see cref="StreamNameTable"/>), with policy-violation. After STARTTLS or SASL
/// the stream restarts: a new reader over the same (or the TLS) transport.
/// </summary>
internal sealed class XmppStreamReader : IDisposable
{
    private static readonly XmlReaderSettings Settings = new()
    {
        Async = true,
        DtdProcessing = DtdProcessing.Prohibit, // a DOCTYPE is refused outright: no entity expansion, no XML bomb
        XmlResolver = null,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        IgnoreWhitespace = false,
        CheckCharacters = true,
        ConformanceLevel = ConformanceLevel.Document,
        MaxCharactersFromEntities = 1024,
        CloseInput = false,
    };

    private readonly StanzaLimitStream _input;
    private readonly XmlReader _reader;
    private readonly int _maxDepth;

    /// <summary>The average length a name may have within a stream's name budget.</summary>
    public const int NameCharsEach = 64;

    public XmppStreamReader(Stream transport, int maxStanzaBytes, int maxDepth, int maxNames = 1000)
    {
        // The parser reads ahead up to a buffer (a few KB): the budget leaves room for it.
        _input = new StanzaLimitStream(transport, maxStanzaBytes + 16 * 1024);
        var settings = Settings.Clone();
        settings.NameTable = new StreamNameTable(maxNames, maxNames * NameCharsEach);
        _reader = XmlReader.Create(_input, settings);
        _maxDepth = maxDepth;
    }

    /// <summary>Called whenever anything arrives (whitespace keepalives too).</summary>
    public Action? Activity { get; set; }

    /// <summary>
    /// When set (before authentication), the only names a stanza may use: another element ends the stream with the
    /// set's condition, another attribute is left out, both before any <see cref="XName"/> is made for them. An
    /// XName stays in a process-wide table for as long as its namespace lives, and the namespace of every unprefixed
    /// attribute (none) and jabber:client live as long as the process: a stranger's made-up names must not get there.
    /// </summary>
    public StanzaNames? Allowed { get; init; }

    public void Dispose()
    {
        _reader.Dispose();
        _input.Dispose();
    }

    /// <summary>Reads up to the opening &lt;stream:stream&gt; and returns its attributes.</summary>
    public Task<StreamHeader> ReadHeaderAsync() => Guard(ReadHeaderCoreAsync());

    /// <summary>The next stanza, or null when the client closed the stream (&lt;/stream:stream&gt;).</summary>
    public Task<XElement?> ReadStanzaAsync() => Guard(ReadStanzaCoreAsync());

    private async Task<StreamHeader> ReadHeaderCoreAsync()
    {
        while (true)
        {
            await ReadNodeAsync();
            switch (_reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                case XmlNodeType.Whitespace:
                    continue;
                case XmlNodeType.Element:
                    if (_reader.LocalName != "stream" || _reader.NamespaceURI != XmppNames.Streams.NamespaceName)
                        throw new XmppStreamException("invalid-namespace", "Expected <stream:stream>.");
                    if (_reader.IsEmptyElement) throw new XmppStreamException("not-well-formed", "The stream header cannot be empty.");
                    var header = new StreamHeader(
                        _reader.GetAttribute("to"), _reader.GetAttribute("version"), _reader.GetAttribute("xml:lang"),
                        _reader.LookupNamespace(string.Empty));
                    _input.Reset();
                    return header;
                default:
                    throw Restricted(_reader.NodeType) ?? new XmppStreamException("not-well-formed", "Expected the stream header.");
            }
        }
    }

    private async Task<XElement?> ReadStanzaCoreAsync()
    {
        while (true)
        {
            await ReadNodeAsync();
            switch (_reader.NodeType)
            {
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    _input.Reset();
                    Activity?.Invoke();
                    continue;
                case XmlNodeType.EndElement when _reader.Depth == 0:
                    return null;
                case XmlNodeType.Element when _reader.Depth == 1:
                    var stanza = await ReadElementAsync();
                    _input.Reset();
                    Activity?.Invoke();
                    return stanza;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    // A long whitespace keepalive can come as text; anything else between stanzas is not XMPP.
                    if (!string.IsNullOrWhiteSpace(await _reader.GetValueAsync())) throw new XmppStreamException("not-well-formed", "Text is not allowed between stanzas.");
                    _input.Reset();
                    Activity?.Invoke();
                    continue;
                default:
                    throw Restricted(_reader.NodeType) ?? new XmppStreamException("not-well-formed");
            }
        }
    }

    /// <summary>Builds the element the reader is on, iteratively (no recursion however deep the input tries to go).</summary>
    private async Task<XElement> ReadElementAsync()
    {
        var baseDepth = _reader.Depth;
        var root = StartElement();
        if (_reader.IsEmptyElement) return root;
        var open = new Stack<XElement>();
        open.Push(root);
        while (open.Count > 0)
        {
            await ReadNodeAsync();
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (_reader.Depth - baseDepth >= _maxDepth) throw new XmppStreamException("policy-violation", "Stanza nested too deeply.");
                    var child = StartElement();
                    open.Peek().Add(child);
                    if (!_reader.IsEmptyElement) open.Push(child);
                    break;
                case XmlNodeType.EndElement:
                    open.Pop();
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    open.Peek().Add(new XText(await _reader.GetValueAsync()));
                    break;
                default:
                    throw Restricted(_reader.NodeType) ?? new XmppStreamException("not-well-formed");
            }
        }
        return root;
    }

    private XElement StartElement()
    {
        if (Allowed is { } allowed && !allowed.AllowsElement(_reader.NamespaceURI, _reader.LocalName))
            throw new XmppStreamException(allowed.Condition, allowed.Text);
        var element = new XElement(XName.Get(_reader.LocalName, _reader.NamespaceURI));
        if (_reader.MoveToFirstAttribute())
        {
            do
            {
                // Namespace declarations are kept by the names themselves; XElement writes what it needs.
                if (_reader.NamespaceURI == "http://www.w3.org/2000/xmlns/") continue;
                if (Allowed is { } only && !only.AllowsAttribute(_reader.NamespaceURI, _reader.LocalName)) continue;
                element.SetAttributeValue(XName.Get(_reader.LocalName, _reader.NamespaceURI), _reader.Value);
            }
            while (_reader.MoveToNextAttribute());
            _reader.MoveToElement();
        }
        return element;
    }

    private async Task ReadNodeAsync()
    {
        if (!await _reader.ReadAsync()) throw new EndOfStreamException();
    }

    /// <summary>Runs the parser; whatever it throws becomes the matching stream error.</summary>
    private async Task<T> Guard<T>(Task<T> step)
    {
        try
        {
            return await step;
        }
        catch (XmlException e) when (_input.Ended && e.Message.StartsWith("Unexpected end of file", StringComparison.Ordinal))
        {
            throw new EndOfStreamException(); // the connection dropped mid-stream: not the client's malformed XML
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("entity", StringComparison.OrdinalIgnoreCase))
        {
            throw new XmppStreamException("restricted-xml", "DTDs and entity references are not allowed / 不允许 DTD 与实体引用");
        }
        catch (XmlException)
        {
            throw new XmppStreamException("not-well-formed", "Malformed XML / XML 格式错误");
        }
        catch (Exception e) when (e is not XmppStreamException && Inner(e) is { } limit)
        {
            throw limit; // the stanza budget, thrown by the input under the parser and wrapped on the way up
        }
    }

    private static XmppStreamException? Inner(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is XmppStreamException found) return found;
        return null;
    }

    private static XmppStreamException? Restricted(XmlNodeType type) => type switch
    {
        XmlNodeType.Comment or XmlNodeType.ProcessingInstruction or XmlNodeType.DocumentType or XmlNodeType.EntityReference or XmlNodeType.Entity
            => new XmppStreamException("restricted-xml", "Comments, processing instructions, DTDs and entities are not allowed / 不允许注释、处理指令、DTD 与实体"),
        _ => null,
    };
}

/// <summary>What the client's stream header said.</summary>
internal sealed record StreamHeader(string? To, string? Version, string? Lang, string? DefaultNamespace);

/// <summary>The element and attribute names a stream accepts at some stage (<see cref="XmppStreamReader.Allowed"/>).</summary>
internal sealed class StanzaNames(IEnumerable<XName> elements, IEnumerable<XName> attributes, string condition, string text)
{
    private readonly HashSet<(string Namespace, string Local)> _elements = [.. elements.Select(n => (n.NamespaceName, n.LocalName))];
    private readonly HashSet<(string Namespace, string Local)> _attributes = [.. attributes.Select(n => (n.NamespaceName, n.LocalName))];

    /// <summary>The stream error for an element not in the set.</summary>
    public string Condition { get; } = condition;

    public string Text { get; } = text;

    public bool AllowsElement(string ns, string local) => _elements.Contains((ns, local));

    public bool AllowsAttribute(string ns, string local) => _attributes.Contains((ns, local));
}
