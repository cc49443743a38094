namespace Penguin.Core.Presence;

/// <summary>The embedded default: presence lives only as long as the connections of this process.</summary>
public sealed class InMemoryPresenceRegistry : IPresenceRegistry
{
    private readonly Dictionary<long, DevicePresence[]> _devices = [];
    private readonly Lock _lock = new();

    public ValueTask SetAsync(long userId, DevicePresence device, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var current = _devices.GetValueOrDefault(userId) ?? [];
            _devices[userId] = [.. current.Where(d => d.SessionId != device.SessionId), device];
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(long userId, long sessionId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_devices.TryGetValue(userId, out var current))
            {
                var rest = current.Where(d => d.SessionId != sessionId).ToArray();
                if (rest.Length == 0) _devices.Remove(userId);
                else _devices[userId] = rest;
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<DevicePresence>> GetAsync(long userId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
            return ValueTask.FromResult<IReadOnlyList<DevicePresence>>(_devices.GetValueOrDefault(userId) ?? []);
    }
}
