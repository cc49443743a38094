using System.Buffers;
using System.Globalization;
using System.Text;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// A stanza written straight as UTF-8 bytes, without a DOM, for the hot paths (a chat message out, the answer to a
/// send): the literal parts are bytes, and every value from elsewhere goes through <see cref="Text"/>, which escapes
/// what XML requires (in text and in attribute values, single or double quoted).
/// </summary>
internal sealed class LeanStanza
{
    private static readonly SearchValues<char> Special = SearchValues.Create("&<>'\"\r\n\t");

    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public ReadOnlyMemory<byte> Bytes => _buffer.WrittenMemory;

    public LeanStanza Raw(ReadOnlySpan<byte> utf8)
    {
        _buffer.Write(utf8);
        return this;
    }

    public LeanStanza Number(long value)
    {
        value.TryFormat(_buffer.GetSpan(20), out var written, provider: CultureInfo.InvariantCulture);
        _buffer.Advance(written);
        return this;
    }

    /// <summary>Escaped text: &amp; &lt; &gt; and both quotes as entities, CR/LF/TAB as character references (kept as they were).</summary>
    public LeanStanza Text(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            var plain = text.IndexOfAny(Special);
            var run = plain < 0 ? text : text[..plain];
            if (!run.IsEmpty) _buffer.Advance(Encoding.UTF8.GetBytes(run, _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(run.Length))));
            if (plain < 0) break;
            Raw(text[plain] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '\'' => "&apos;"u8,
                '"' => "&quot;"u8,
                '\r' => "&#xD;"u8,
                '\n' => "&#xA;"u8,
                _ => "&#x9;"u8,
            });
            text = text[(plain + 1)..];
        }
        return this;
    }
}
