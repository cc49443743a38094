namespace Penguin.Load.Net;

/// <summary>What <see cref="XmppScanner.Next"/> found at the front of the bytes it was given.</summary>
public enum XmppPiece
{
    /// <summary>Not a whole piece yet: wait for more bytes.</summary>
    Incomplete,

    /// <summary>The stream header <c>&lt;stream:stream …&gt;</c> (first, or after a restart).</summary>
    StreamOpen,

    /// <summary><c>&lt;/stream:stream&gt;</c>: the server ended the stream.</summary>
    StreamClose,

    /// <summary>One whole top-level element (stanza or nonza) from its <c>&lt;</c> to its last <c>&gt;</c>.</summary>
    Element,

    /// <summary>Whitespace between elements, or an XML declaration: nothing to handle.</summary>
    Skip,
}

/// <summary>
/// The XMPP load device's reader: cuts the server's byte stream into top-level elements without building a DOM.
/// It only tracks tags and quoted attribute values (a <c>&gt;</c> inside quotes does not end a tag), which is
/// all a well-formed stream from a server needs; the servers under test have their own full parsers. The
/// accounting reads three things from an element: its name, an attribute, and the text of <c>&lt;body&gt;</c>.
/// </summary>
public static class XmppScanner
{
    private static ReadOnlySpan<byte> StreamTag => "stream:stream"u8;
    private static readonly System.Buffers.SearchValues<byte> NameEnd = System.Buffers.SearchValues.Create(" \t\r\n/>"u8);

    /// <summary>
    /// The next piece of <paramref name="data"/>, which starts between elements (depth 1 of the stream, or before
    /// its header). <paramref name="length"/> is how many bytes it takes (0 when incomplete); for an
    /// <see cref="XmppPiece.Element"/>, <paramref name="start"/> is where its <c>&lt;</c> is (after leading whitespace).
    /// </summary>
    public static XmppPiece Next(ReadOnlySpan<byte> data, out int start, out int length)
    {
        start = 0;
        length = 0;
        var i = 0;
        while (i < data.Length && data[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        if (i == data.Length) return Whitespace(i, out length);
        if (data[i] != (byte)'<') throw new FormatException("Text outside any element in the XMPP stream.");
        start = i;
        if (i + 1 >= data.Length) return XmppPiece.Incomplete;
        if (data[i + 1] == (byte)'?')
        {
            var end = data[i..].IndexOf("?>"u8);
            if (end < 0) return XmppPiece.Incomplete;
            length = i + end + 2;
            return XmppPiece.Skip;
        }
        if (data[i + 1] == (byte)'/')
        {
            var end = data[i..].IndexOf((byte)'>');
            if (end < 0) return XmppPiece.Incomplete;
            if (!data.Slice(i + 2, end - 2).TrimEnd(" \t\r\n"u8).SequenceEqual(StreamTag)) throw new FormatException("An end tag without its start in the XMPP stream.");
            length = i + end + 1;
            return XmppPiece.StreamClose;
        }
        var depth = 0;
        var at = i;
        while (true)
        {
            // at is on a '<': a start tag, an end tag, or a CDATA section inside the element.
            if (data.Length - at >= 9 && data.Slice(at, 9).SequenceEqual("<![CDATA["u8))
            {
                var cdataEnd = data[at..].IndexOf("]]>"u8);
                if (cdataEnd < 0) return XmppPiece.Incomplete;
                at += cdataEnd + 3;
            }
            else
            {
                var close = TagEnd(data, at);
                if (close < 0) return XmppPiece.Incomplete;
                if (data[at + 1] == (byte)'/') depth--;
                else if (data[close - 1] != (byte)'/')
                {
                    if (depth == 0 && NameOf(data[at..]).SequenceEqual(StreamTag))
                    {
                        length = close + 1;
                        return XmppPiece.StreamOpen;
                    }
                    depth++;
                }
                at = close + 1;
                if (depth == 0)
                {
                    length = at;
                    return XmppPiece.Element;
                }
            }
            var next = data[at..].IndexOf((byte)'<');
            if (next < 0) return XmppPiece.Incomplete;
            at += next;
        }
    }

    /// <summary>The name of the element whose start tag <paramref name="element"/> begins with (e.g. "message", "stream:features").</summary>
    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> element)
    {
        var name = element[1..];
        var end = name.IndexOfAny(NameEnd);
        return end < 0 ? name : name[..end];
    }

    /// <summary>The value of attribute <paramref name="name"/> of the element's start tag (as written, entities not decoded), or false.</summary>
    public static bool TryAttribute(ReadOnlySpan<byte> element, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var tagEnd = TagEnd(element, 0);
        var tag = tagEnd < 0 ? element : element[..tagEnd];
        var at = NameOf(element).Length + 1;
        while (at < tag.Length)
        {
            while (at < tag.Length && tag[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') at++;
            var eq = tag[at..].IndexOf((byte)'=');
            if (eq < 0) return false;
            var attribute = tag.Slice(at, eq).TrimEnd(" \t\r\n"u8);
            at += eq + 1;
            while (at < tag.Length && tag[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') at++;
            if (at >= tag.Length || tag[at] is not ((byte)'\'' or (byte)'"')) return false;
            var quote = tag[at];
            var valueEnd = tag[(at + 1)..].IndexOf(quote);
            if (valueEnd < 0) return false;
            if (attribute.SequenceEqual(name))
            {
                value = tag.Slice(at + 1, valueEnd);
                return true;
            }
            at += valueEnd + 2;
        }
        return false;
    }

    /// <summary>The text of the first <c>&lt;body&gt;</c> child (as written), or false when the element has none (a receipt, a chat state, an echo).</summary>
    public static bool TryBody(ReadOnlySpan<byte> element, out ReadOnlySpan<byte> text)
    {
        text = default;
        var at = 0;
        while (true)
        {
            var found = element[at..].IndexOf("<body"u8);
            if (found < 0) return false;
            at += found;
            var after = element[at + 5];
            if (after is (byte)'>' or (byte)' ' or (byte)'/' or (byte)'\t' or (byte)'\r' or (byte)'\n') break;
            at += 5; // <bodyfoo>
        }
        var close = TagEnd(element, at);
        if (close < 0) return false;
        if (element[close - 1] == (byte)'/') return true; // <body/>: empty
        var end = element[(close + 1)..].IndexOf("</body>"u8);
        if (end < 0) return false;
        text = element.Slice(close + 1, end);
        return true;
    }

    /// <summary>
    /// The load tool's client id in a message text (<see cref="Scenarios.MessageTraffic.Text"/>: "压测 L3-17~run 你好…"):
    /// the word that starts with 'L'. The id travels in the body because servers give delivered messages ids of
    /// their own (Penguin's are "penguin-N").
    /// </summary>
    public static bool TryClientIdInText(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> clientId)
    {
        clientId = default;
        var at = text.IndexOf(" L"u8);
        if (at < 0) return false;
        var id = text[(at + 1)..];
        var end = id.IndexOf((byte)' ');
        clientId = end < 0 ? id : id[..end];
        return true;
    }

    /// <summary>The index of the <c>&gt;</c> ending the tag that starts at <paramref name="at"/> (quotes respected), or -1.</summary>
    private static int TagEnd(ReadOnlySpan<byte> data, int at)
    {
        byte quote = 0;
        for (var i = at + 1; i < data.Length; i++)
        {
            var b = data[i];
            if (quote != 0)
            {
                if (b == quote) quote = 0;
            }
            else if (b is (byte)'\'' or (byte)'"') quote = b;
            else if (b == (byte)'>') return i;
        }
        return -1;
    }

    private static XmppPiece Whitespace(int count, out int length)
    {
        length = count;
        return count == 0 ? XmppPiece.Incomplete : XmppPiece.Skip;
    }
}
