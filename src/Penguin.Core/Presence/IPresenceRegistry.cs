namespace Penguin.Core.Presence;

/// <summary>Where the presence of every online device is kept (in memory on one node; shared in a cluster).</summary>
public interface IPresenceRegistry
{
    ValueTask SetAsync(long userId, DevicePresence device);

    ValueTask RemoveAsync(long userId, long sessionId);

    ValueTask<IReadOnlyList<DevicePresence>> GetAsync(long userId);
}
