using System.Text.Json;
using Penguin.Core.Bus;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Core.Presence;

/// <summary>
/// Device presence in, friend-visible presence out. A user's status is the most available of their devices;
/// invisible devices count as offline to others. Every visible change is pushed to the user's friends at once.
/// </summary>
public sealed class PresenceService(IPresenceRegistry registry, ISocialStore social, IEventBus bus)
{
    // Per-user serialization so two devices changing at once cannot publish a stale aggregate last.
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public static UserPresence Visible(long userId, IReadOnlyList<DevicePresence> devices)
    {
        var shown = devices.Where(d => d.Status > PresenceStatus.Invisible).ToArray();
        if (shown.Length == 0) return new UserPresence(userId, PresenceStatus.Offline, []);
        return new UserPresence(
            userId,
            shown.Max(d => d.Status),
            [.. shown.Select(d => d.Device).Distinct().Order()]);
    }

    public static bool SameAs(UserPresence a, UserPresence b) =>
        a.Status == b.Status && a.Devices.AsSpan().SequenceEqual(b.Devices);

    public ValueTask SetDeviceAsync(long userId, DevicePresence device, CancellationToken cancellationToken = default) =>
        ChangeAsync(userId, () => registry.SetAsync(userId, device), cancellationToken);

    public ValueTask RemoveDeviceAsync(long userId, long sessionId, CancellationToken cancellationToken = default) =>
        ChangeAsync(userId, () => registry.RemoveAsync(userId, sessionId), cancellationToken);

    public async ValueTask<UserPresence> GetVisibleAsync(long userId, CancellationToken cancellationToken = default) =>
        Visible(userId, await registry.GetAsync(userId, cancellationToken));

    public async ValueTask<UserPresence[]> GetVisibleAsync(IEnumerable<long> userIds, CancellationToken cancellationToken = default)
    {
        var result = new List<UserPresence>();
        foreach (var id in userIds) result.Add(await GetVisibleAsync(id, cancellationToken));
        return [.. result];
    }

    /// <summary>The presence of every friend of the user, as the user may see it.</summary>
    public async ValueTask<UserPresence[]> GetFriendsAsync(long userId, CancellationToken cancellationToken = default) =>
        await GetVisibleAsync(await social.GetFriendIdsAsync(userId, cancellationToken), cancellationToken);

    /// <summary>Tells <paramref name="watchers"/> the current presence of <paramref name="userId"/> (a new friend, say).</summary>
    public async ValueTask TellAsync(long userId, IReadOnlyCollection<long> watchers, CancellationToken cancellationToken = default)
    {
        if (watchers.Count == 0) return;
        await bus.PublishAsync(watchers, new Delivery(Serialize(await GetVisibleAsync(userId, cancellationToken))), cancellationToken);
    }

    private async ValueTask ChangeAsync(long userId, Func<ValueTask> change, CancellationToken cancellationToken = default)
    {
        var stripe = _stripes[(int)(userId % _stripes.Length)];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var before = await GetVisibleAsync(userId, cancellationToken);
            await change();
            var after = await GetVisibleAsync(userId, cancellationToken);
            if (SameAs(before, after)) return;
            var friends = await social.GetFriendIdsAsync(userId, cancellationToken);
            if (friends.Length > 0) await bus.PublishAsync(friends, new Delivery(Serialize(after)), cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    private static byte[] Serialize(UserPresence presence) =>
        JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new PresenceChanged(presence), PenguinJson.Wire.ServerFrame);
}
