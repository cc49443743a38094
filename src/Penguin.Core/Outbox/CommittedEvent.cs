using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Core.Outbox;

/// <summary>An event stored in a user's log: its sequence and its wire JSON (seq included).</summary>
public sealed class CommittedEvent
{
    private readonly DurableEvent? _event;
    private byte[]? _json;

    public CommittedEvent(long userId, long seq, byte[] json)
    {
        UserId = userId;
        Seq = seq;
        _json = json;
    }

    /// <summary>
    /// An event whose JSON is made when first needed: a store that does not keep the JSON itself lets the
    /// publisher serialize it after the commit, off the (single) writer.
    /// </summary>
    public CommittedEvent(long userId, long seq, DurableEvent e)
    {
        UserId = userId;
        Seq = seq;
        _event = e with { Seq = seq };
    }

    public long UserId { get; }

    public long Seq { get; }

    // Two threads may both serialize the first time; they make the same bytes.
    public byte[] Json => _json ??= JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(_event!, PenguinJson.Wire.ServerFrame);
}
