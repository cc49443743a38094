using System.Xml;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The XML parser's name table for one stream, with a budget. The parser keeps every distinct element, attribute,
/// prefix and namespace name it meets for the reader's whole life, and a stream lives for days: without a budget a
/// client that keeps declaring new names (each stanza within the size limit) grows it without bound. Beyond
/// <paramref name="maxNames"/> distinct names, or <paramref name="maxChars"/> characters of them, the stream ends with
/// policy-violation; a real client uses a few hundred short ones.
/// </summary>
internal sealed class StreamNameTable(int maxNames, int maxChars) : XmlNameTable
{
    private readonly NameTable _names = new();
    private int _count;
    private long _chars;

    public int Count => _count;

    public override string Add(char[] array, int offset, int length)
    {
        if (_names.Get(array, offset, length) is { } known) return known;
        Spend(length);
        return _names.Add(array, offset, length);
    }

    public override string Add(string array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_names.Get(array) is { } known) return known;
        Spend(array.Length);
        return _names.Add(array);
    }

    public override string? Get(char[] array, int offset, int length) => _names.Get(array, offset, length);

    public override string? Get(string array) => _names.Get(array);

    private void Spend(int length)
    {
        if (_count >= maxNames || _chars + length > maxChars)
            throw new XmppStreamException("policy-violation", "Too many distinct names in one stream / 单个流中的不同名称过多");
        _count++;
        _chars += length;
    }
}
