using System.Collections.Concurrent;

namespace Penguin.Core.Common;

/// <summary>
/// Counts attempts per key within a fixed time window that starts at the first attempt (login failures per account, registrations per address).
/// Memory stays bounded: keys whose window has passed are swept on use.
/// </summary>
public sealed class FixedWindowThrottle(int limit, TimeSpan window, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new();
    private long _nextSweep;

    public bool IsBlocked(string key) =>
        _windows.TryGetValue(key, out var w) && Fresh(w) && w.Count >= limit;

    /// <summary>Counts an attempt; false when the key has used its limit in the current window.</summary>
    public bool TryAcquire(string key)
    {
        Sweep();
        var now = time.GetTimestamp();
        while (true)
        {
            var current = _windows.GetOrAdd(key, _ => new Window(now, 0));
            var next = Fresh(current) ? current with { Count = current.Count + 1 } : new Window(now, 1);
            if (next.Count > limit) return false;
            if (_windows.TryUpdate(key, next, current)) return true;
        }
    }

    public void Record(string key) => TryAcquire(key);

    /// <summary>Attempts counted for the key in its current window.</summary>
    public int Count(string key) => _windows.TryGetValue(key, out var w) && Fresh(w) ? w.Count : 0;

    /// <summary>Gives back one attempt counted by <see cref="TryAcquire"/> (a login that turned out right).</summary>
    public void Release(string key)
    {
        while (_windows.TryGetValue(key, out var current) && current.Count > 0)
            if (_windows.TryUpdate(key, current with { Count = current.Count - 1 }, current)) return;
    }

    public void Reset(string key) => _windows.TryRemove(key, out _);

    private bool Fresh(Window w) => time.GetElapsedTime(w.Start) < window;

    private void Sweep()
    {
        var now = time.GetTimestamp();
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + (long)(window.TotalSeconds * time.TimestampFrequency), next) != next)
            return;
        foreach (var (key, w) in _windows)
            if (!Fresh(w)) _windows.TryRemove(key, out _);
    }

    private sealed record Window(long Start, int Count);
}
