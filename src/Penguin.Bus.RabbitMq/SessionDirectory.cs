using System.Collections.Concurrent;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// Which users the other nodes hold, as they announced them (<see cref="DirectoryMessage"/>), so that a node publishes
/// an event only when another node holds its user: the copy routed back to the publisher alone, and events for users
/// nobody else holds, never reach the broker. Also tracks this node's own announcements until every other node has
/// applied them.
/// <para>
/// Safety rests on two rules. A node that starts holding a user announces it (Held) and does not let the user's
/// connections rely on live events (its <see cref="IEventBus.WatchAsync"/> does not return) until every other node
/// counted has applied the announcement; an event another node skipped before that was committed before the connection
/// read the log. And a node whose view may have gaps (just connected or reconnected: announcements made while it was
/// away are lost) publishes everything until it has a full set (Hello or Snapshot) from every other node.
/// </para>
/// </summary>
public sealed class SessionDirectory
{
    /// <summary>A node not heard from for this long (it says Alive every second) is not waited for.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(3);

    /// <summary>A node not heard from for this long is forgotten with its users (a crashed node: its users stop costing publishes).</summary>
    public static readonly TimeSpan Gone = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, HashSet<long>> _byNode = [];
    private readonly ConcurrentDictionary<long, Guid[]> _holders = new(); // user → the other nodes that hold them (written under _lock)
    private readonly Dictionary<Guid, long> _lastHeard = []; // other node → Environment.TickCount64 of its last message
    private readonly Dictionary<Guid, long> _appliedUpTo = []; // other node → the last of our announcements it applied
    private readonly HashSet<Guid> _fullSets = []; // nodes whose full set arrived since the last Reset
    private readonly List<Pending> _pending = [];
    private volatile bool _isComplete = true;

    /// <summary>
    /// Whether the view has no gaps: every node heard from lately sent its full set since the last <see cref="Reset"/>,
    /// and they are at least as many as the nodes counted.
    /// </summary>
    public bool IsComplete => _isComplete;

    /// <summary>Whether an event for the user must be published: the view may have gaps, or another node holds the user.</summary>
    public bool MustPublish(long userId) => !_isComplete || _holders.ContainsKey(userId);

    /// <summary>The other nodes holding the user; meaningful only while <see cref="IsComplete"/>.</summary>
    public Guid[] HoldersOf(long userId) => _holders.TryGetValue(userId, out var nodes) ? nodes : [];

    /// <summary>Forgets everything (this node has just connected, or may have missed announcements): incomplete until the full sets arrive.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _byNode.Clear();
            _holders.Clear();
            _lastHeard.Clear();
            _appliedUpTo.Clear();
            _fullSets.Clear();
            _isComplete = false;
        }
    }

    /// <summary>Whether the node has been heard from since the last <see cref="Reset"/> and not forgotten.</summary>
    public bool Knows(Guid node)
    {
        lock (_lock) return _lastHeard.ContainsKey(node);
    }

    /// <summary>Any message from the node: it is alive.</summary>
    public void Heard(Guid node)
    {
        lock (_lock) _lastHeard[node] = Environment.TickCount64;
    }

    /// <summary>A node's full set (its Hello, or its Snapshot for ours).</summary>
    public void Replace(Guid node, IEnumerable<long> users)
    {
        lock (_lock)
        {
            RemoveUsers(node);
            var set = _byNode[node] = [];
            foreach (var user in users)
                if (set.Add(user)) Hold(user, node);
            _fullSets.Add(node);
        }
    }

    public void Add(Guid node, IEnumerable<long> users)
    {
        lock (_lock)
        {
            if (!_byNode.TryGetValue(node, out var set)) _byNode[node] = set = [];
            foreach (var user in users)
                if (set.Add(user)) Hold(user, node);
        }
    }

    public void Remove(Guid node, IEnumerable<long> users)
    {
        lock (_lock)
        {
            if (!_byNode.TryGetValue(node, out var set)) return;
            foreach (var user in users)
                if (set.Remove(user)) Release(user, node);
        }
    }

    /// <summary>The node left (Bye) or went silent for <see cref="Gone"/>: its users, its answers, its full set.</summary>
    public void Forget(Guid node)
    {
        lock (_lock) ForgetLocked(node);
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until every other node has applied announcement <paramref name="seq"/>.
    /// Completes either way; an announcement applied only after its timeout has its users returned by a later
    /// <see cref="Settle"/> (their connections then read the log again).
    /// </summary>
    public Task AnnouncedAsync(long seq, long[] users, int otherNodes, TimeSpan timeout)
    {
        var pending = new Pending(seq, users, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        lock (_lock)
        {
            if (AllApplied(seq, otherNodes, Environment.TickCount64)) return Task.CompletedTask;
            _pending.Add(pending);
        }
        return pending.Done.Task;
    }

    /// <summary>A node applied our announcements up to <paramref name="upTo"/>.</summary>
    public void Applied(Guid node, long upTo)
    {
        lock (_lock)
            if (!_appliedUpTo.TryGetValue(node, out var current) || current < upTo) _appliedUpTo[node] = upTo;
    }

    /// <summary>
    /// Re-decides completeness, forgets nodes gone silent, completes the announcements every node has applied, times
    /// out the overdue ones and drops those overdue by a minute; returns the users of announcements applied only after
    /// their timeout (their connections read the log again). <paramref name="otherNodes"/>: the nodes counted, minus this one.
    /// </summary>
    public long[] Settle(int otherNodes)
    {
        List<long>? late = null;
        var now = Environment.TickCount64;
        lock (_lock)
        {
            foreach (var node in _lastHeard.Where(h => now - h.Value > (long)Gone.TotalMilliseconds).Select(h => h.Key).ToList())
                ForgetLocked(node);
            _isComplete = Live(now, out var live) >= otherNodes && live.All(_fullSets.Contains);
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var p = _pending[i];
                if (AllApplied(p.Seq, otherNodes, now))
                {
                    if (p.TimedOut) (late ??= []).AddRange(p.Users);
                    p.Done.TrySetResult();
                    _pending.RemoveAt(i);
                }
                else if (now > p.Deadline + (long)Gone.TotalMilliseconds) _pending.RemoveAt(i);
                else if (now > p.Deadline && !p.TimedOut)
                {
                    p.TimedOut = true;
                    p.Done.TrySetResult();
                }
            }
        }
        return late is null ? [] : [.. late];
    }

    /// <summary>The bus is stopping: every announcement still waiting completes now, and is forgotten.</summary>
    public void ReleaseWaiters()
    {
        lock (_lock)
        {
            foreach (var p in _pending) p.Done.TrySetResult();
            _pending.Clear();
        }
    }

    /// <summary>Announcements still waiting for some node (tests and diagnostics).</summary>
    public int PendingCount
    {
        get { lock (_lock) return _pending.Count; }
    }

    // Every node heard from lately has applied seq, and they are at least as many as the nodes counted: a node that
    // crashed is waited for until it falls silent, never counted in place of one that is alive.
    private bool AllApplied(long seq, int otherNodes, long now) =>
        Live(now, out var live) >= otherNodes && live.All(node => _appliedUpTo.TryGetValue(node, out var upTo) && upTo >= seq);

    private int Live(long now, out List<Guid> live)
    {
        live = [];
        foreach (var (node, heard) in _lastHeard)
            if (now - heard <= (long)Silence.TotalMilliseconds) live.Add(node);
        return live.Count;
    }

    private void ForgetLocked(Guid node)
    {
        RemoveUsers(node);
        _lastHeard.Remove(node);
        _appliedUpTo.Remove(node);
        _fullSets.Remove(node);
    }

    private void RemoveUsers(Guid node)
    {
        if (!_byNode.Remove(node, out var set)) return;
        foreach (var user in set) Release(user, node);
    }

    // Under _lock: the arrays are replaced, never changed, so readers need no lock.
    private void Hold(long user, Guid node) =>
        _holders[user] = _holders.TryGetValue(user, out var nodes) ? [.. nodes, node] : [node];

    private void Release(long user, Guid node)
    {
        if (!_holders.TryGetValue(user, out var nodes)) return;
        if (nodes.Length <= 1) _holders.TryRemove(user, out _);
        else _holders[user] = [.. nodes.Where(n => n != node)];
    }

    private sealed class Pending(long seq, long[] users, long deadline)
    {
        public long Seq { get; } = seq;
        public long[] Users { get; } = users;
        public long Deadline { get; } = deadline;
        public bool TimedOut { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
