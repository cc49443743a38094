namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// Counts what the XML parser reads and refuses to read past a budget, so one stanza (or any run of text between two
/// stanza boundaries) can never make the parser buffer more than the stanza limit plus its read-ahead.
/// </summary>
internal sealed class StanzaLimitStream(Stream inner, long budget) : Stream
{
    private long _used;

    /// <summary>Whether the transport ended (the peer closed or the connection dropped).</summary>
    public bool Ended { get; private set; }

    /// <summary>A stanza boundary: the next one starts with a full budget.</summary>
    public void Reset() => _used = 0;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_used >= budget) throw new XmppStreamException("policy-violation", "Stanza too large / 消息节过大");
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, budget - _used)], cancellationToken);
        if (n == 0 && buffer.Length > 0) Ended = true;
        _used += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The parser reads asynchronously; should it ever read synchronously, the same budget holds.</summary>
    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_used >= budget) throw new XmppStreamException("policy-violation", "Stanza too large / 消息节过大");
        var n = inner.Read(buffer, offset, (int)Math.Min(count, budget - _used));
        if (n == 0 && count > 0) Ended = true;
        _used += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
