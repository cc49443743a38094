namespace Penguin.Load.Measurement;

/// <summary>
/// Per-delivery accounting of the day's group messages: a message acknowledged in a group of N members is owed to
/// its N − 1 other members, once each, whether it reaches them live (<c>group.message</c>) or when they catch up
/// over REST after a login or after the day. Members are the day's account indexes; a delivery is identified by
/// (member, group seq), so a live copy and a catch-up copy of the same message count once, and only a second live
/// copy is a duplicate. Thread-safe.
/// </summary>
public sealed class DayGroupLedger(IReadOnlyList<IReadOnlyList<int>> groups)
{
    private readonly Lock _lock = new();
    // Messages by client id while in flight or acknowledged: the group, the sender, when it was sent, its seq once known.
    private readonly Dictionary<string, Outgoing> _byClientId = [];
    private readonly Dictionary<(int Group, long Seq), Outgoing> _bySeq = [];
    private readonly HashSet<(int Member, int Group, long Seq)> _delivered = [];
    private readonly HashSet<(int Member, int Group, long Seq)> _live = [];
    private readonly Dictionary<(int Member, int Group), long> _held = [];
    private long _sent, _acknowledged, _rejected, _owed, _deliveredLive, _deliveredLater, _duplicates, _unacknowledged;

    private sealed class Outgoing(int group, int from, long sentAt)
    {
        public int Group { get; } = group;
        public int From { get; } = from;
        public long SentAt { get; } = sentAt;
        public long Seq { get; set; }
        public bool Acknowledged { get; set; }
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Deliveries owed: for each acknowledged message, the other members of its group.</summary>
    public long Owed { get { lock (_lock) return _owed; } }

    public long Delivered { get { lock (_lock) return _delivered.Count; } }
    public long DeliveredLive { get { lock (_lock) return _deliveredLive; } }
    public long DeliveredAfterLogin { get { lock (_lock) return _deliveredLater; } }
    public long Duplicates { get { lock (_lock) return _duplicates; } }

    /// <summary>Copies of messages this run never saw acknowledged (a send whose reply was lost, say).</summary>
    public long ReceivedUnacknowledged { get { lock (_lock) return _unacknowledged; } }

    /// <summary>Acknowledged deliveries that have not arrived (yet); a scan, for the end of a run.</summary>
    public long Missing { get { lock (_lock) return _owed - _delivered.Count(d => _bySeq.TryGetValue((d.Group, d.Seq), out var s) && s.Acknowledged); } }

    public static string ClientId(int from, long number) => $"dg{from}-{number}";

    /// <summary>A send is starting; its client id is <see cref="ClientId"/>.</summary>
    public void Sending(string clientId, int group, int from, long sentAt)
    {
        Interlocked.Increment(ref _sent);
        lock (_lock) _byClientId[clientId] = new Outgoing(group, from, sentAt);
    }

    public void Acknowledge(string clientId, long seq)
    {
        Interlocked.Increment(ref _acknowledged);
        lock (_lock)
        {
            var sent = _byClientId[clientId];
            sent.Seq = seq;
            sent.Acknowledged = true;
            _bySeq[(sent.Group, seq)] = sent;
            _owed += groups[sent.Group].Count - 1;
        }
    }

    public void Reject(string clientId)
    {
        Interlocked.Increment(ref _rejected);
        lock (_lock) _byClientId.Remove(clientId);
    }

    /// <summary>
    /// A copy of group message <paramref name="seq"/> reached <paramref name="member"/>; returns the time it was sent
    /// for a first delivery of a message of this run (null otherwise: the sender's own copy, an unknown message, a repeat).
    /// </summary>
    public long? Receive(int member, int group, long seq, string clientId, int from, bool live)
    {
        if (from == member) return null; // one's own message is not a delivery
        lock (_lock)
        {
            if (!_byClientId.TryGetValue(clientId, out var sent) || sent.Group != group)
            {
                _unacknowledged++;
                return null;
            }
            if (live && !_live.Add((member, group, seq))) _duplicates++;
            if (!_delivered.Add((member, group, seq))) return null;
            _held[(member, group)] = Math.Max(_held.GetValueOrDefault((member, group)), seq);
            if (live) _deliveredLive++;
            else _deliveredLater++;
            return sent.SentAt;
        }
    }

    /// <summary>The highest seq <paramref name="member"/> has of <paramref name="group"/>: where its catch-up starts.</summary>
    public long HeldBy(int member, int group)
    {
        lock (_lock) return _held.GetValueOrDefault((member, group));
    }

    /// <summary>Failures to report: lost and duplicated deliveries.</summary>
    public IEnumerable<string> Failures()
    {
        if (Missing is > 0 and var missing) yield return $"{missing} group deliveries were acknowledged and never arrived";
        if (Duplicates is > 0 and var duplicates) yield return $"{duplicates} group messages arrived twice live on one connection";
    }
}
