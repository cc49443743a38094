using Penguin.Core.Outbox;

namespace Penguin.Core.Sync;

/// <summary>The read side of every user's event log: what sync serves.</summary>
public interface IEventLog
{
    /// <summary>Events of the user with seq greater than <paramref name="afterSeq"/>, oldest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<CommittedEvent>> ReadAsync(long userId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The newest seq of the user's log (0 when empty).</summary>
    ValueTask<long> HeadAsync(long userId, CancellationToken cancellationToken = default);
}
