using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Core.Outbox;

/// <summary>
/// An event in a user's log, at its sequence: the domain event, and its wire JSON (seq included) made when first
/// needed, after the commit and off the (single) writer. What the log stores is another format
/// (<see cref="StoredEventJson"/>), so the wire can change without touching stored data.
/// </summary>
public sealed class CommittedEvent(long userId, long seq, DurableEvent e)
{
    private readonly DurableEvent _event = e.Seq == seq ? e : e with { Seq = seq };
    private byte[]? _json;

    public long UserId { get; } = userId;

    public long Seq { get; } = seq;

    /// <summary>The domain event (with <see cref="Seq"/>).</summary>
    public DurableEvent Event => _event;

    // Two threads may both serialize the first time; they make the same bytes.
    public byte[] Json => _json ??= JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(_event, PenguinJson.Wire.ServerFrame);
}
