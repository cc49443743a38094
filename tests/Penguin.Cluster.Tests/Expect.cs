using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>What a device should see, phrased for scenarios: presence of a friend, a buddy group, a gapless run of events.</summary>
public static class Expect
{
    public static Task<PresenceChanged> PresenceAsync(PenguinConnection watcher, ClusterUser user, PresenceStatus status, TimeSpan? timeout = null) =>
        watcher.WaitForAsync<PresenceChanged>(p => p.Presence.Number == user.Number && p.Presence.Status == status, timeout);

    public static Task<BuddyGroupsChanged> GroupAsync(PenguinConnection device, string name, TimeSpan? timeout = null) =>
        device.WaitForAsync<BuddyGroupsChanged>(e => e.Groups.Any(g => g.Name == name), timeout);

    /// <summary>
    /// Waits until the device has received <paramref name="count"/> durable events after <paramref name="since"/>, then
    /// takes what arrived and checks it is exactly those seqs, once each, in order.
    /// </summary>
    public static async Task<IReadOnlyList<DurableEvent>> EventsAfterAsync(PenguinConnection device, long since, int count, TimeSpan? timeout = null)
    {
        await EventuallyAsync(() => Task.FromResult(device.LastSeq >= since + count), timeout ?? TimeSpan.FromSeconds(10), $"{count} events after seq {since}");
        await device.PingAsync(); // anything sent after the last event has arrived by the time the pong does
        var events = device.TakeEvents().OfType<DurableEvent>().ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => since + i), events.Select(e => e.Seq));
        return events;
    }

    /// <summary>Polls until <paramref name="condition"/> holds.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (!await condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(200);
        }
    }
}
