using Penguin.Core.Bus;

namespace Penguin.Core.Outbox;

/// <summary>
/// The publishing half of the transactional outbox: after the commit, hands the committed events to the bus,
/// which delivers them to the users' connected devices. A crash before this loses nothing: the events are
/// in the users' logs, and devices fetch them by sync. It takes no token: what is committed is published even
/// when the request that made it has gone.
/// </summary>
public sealed class EventPublisher(IEventBus bus)
{
    public async ValueTask PublishAsync(IReadOnlyList<CommittedEvent> events)
    {
        foreach (var e in events)
            await bus.PublishAsync(e.UserId, new Delivery(e.Json, e.Seq), CancellationToken.None); // committed: never cancelled
    }

    public async ValueTask<T> PublishAsync<T>(Committed<T> committed)
    {
        await PublishAsync(committed.Events);
        return committed.Value;
    }
}
