namespace Penguin.Core.Presence;

/// <summary>Where the presence of every online device is kept (in memory on one node; shared in a cluster).</summary>
public interface IPresenceRegistry
{
    ValueTask SetAsync(long userId, DevicePresence device, CancellationToken cancellationToken = default);

    ValueTask RemoveAsync(long userId, long sessionId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<DevicePresence>> GetAsync(long userId, CancellationToken cancellationToken = default);
}
