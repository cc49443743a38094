using System.Text.Json;
using Penguin.Core.Bus;
using Penguin.Protocol;

namespace Penguin.Core.Sync;

/// <summary>An event to append to a user's log in the same transaction as the change it reports.</summary>
public sealed record EventDraft(long UserId, DurableEvent Event);

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

/// <summary>Builds the events for a change once the store knows its outcome (new ids, the resulting list...).</summary>
public delegate IEnumerable<EventDraft> EventsFor<in T>(T outcome);

/// <summary>A committed change and the events stored with it, to publish after the commit.</summary>
public sealed record Committed<T>(T Value, IReadOnlyList<CommittedEvent> Events);

/// <summary>The read side of every user's event log: what sync serves.</summary>
public interface IEventLog
{
    /// <summary>Events of the user with seq greater than <paramref name="afterSeq"/>, oldest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The newest seq of the user's log (0 when empty).</summary>
    ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default);
}

/// <summary>Publishes committed events to the users' connected devices, after the commit.</summary>
public sealed class EventPublisher(IEventBus bus)
{
    public async ValueTask PublishAsync(IReadOnlyList<CommittedEvent> events)
    {
        foreach (var e in events)
            await bus.PublishAsync(e.UserId, new Delivery(e.Json, e.Seq));
    }

    public async ValueTask<T> PublishAsync<T>(Committed<T> committed)
    {
        await PublishAsync(committed.Events);
        return committed.Value;
    }
}
