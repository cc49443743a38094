using Penguin.Core.Bus;

namespace Penguin.Bus.Tests;

/// <summary>A node's delivery target that records what reaches it, and lets a test wait for it.</summary>
public sealed class RecordingTarget : IDeliveryTarget
{
    private readonly List<(long UserId, Delivery Delivery)> _received = [];
    private readonly List<(string Topic, Delivery Delivery)> _topics = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _resyncs;

    public int Resyncs => Volatile.Read(ref _resyncs);

    public void Deliver(long userId, Delivery delivery) => Record(() => _received.Add((userId, delivery)));

    public void DeliverToTopic(string topic, Delivery delivery) => Record(() => _topics.Add((topic, delivery)));

    public IReadOnlyList<Delivery> ForTopic(string topic)
    {
        lock (_received) return [.. _topics.Where(r => r.Topic == topic).Select(r => r.Delivery)];
    }

    public void ResyncAll() => Record(() => Interlocked.Increment(ref _resyncs));

    public void Resync(IReadOnlyCollection<long> userIds) => Record(() => Interlocked.Increment(ref _resyncs));

    public IReadOnlyList<Delivery> For(long userId)
    {
        lock (_received) return [.. _received.Where(r => r.UserId == userId).Select(r => r.Delivery)];
    }

    /// <summary>Waits until <paramref name="done"/> holds, or fails after <paramref name="timeout"/> (default 10 s).</summary>
    public async Task WaitUntilAsync(Func<RecordingTarget, bool> done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_received)
            {
                if (done(this)) return;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The expected deliveries did not arrive in time.");
            }
        }
    }

    /// <summary>Waits for <paramref name="count"/> deliveries to the user and returns them.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(long userId, int count = 1)
    {
        await WaitUntilAsync(t => t.For(userId).Count >= count);
        return For(userId);
    }

    private void Record(Action change)
    {
        TaskCompletionSource changed;
        lock (_received)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
