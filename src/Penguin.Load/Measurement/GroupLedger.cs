namespace Penguin.Load.Measurement;

/// <summary>
/// Accounting of a group run: every message (one stream per sender, client ids as <see cref="MessageLedger"/> writes
/// them) is owed to every other member online, and each member records which messages reached it in a bitmap per
/// stream, so a second copy at the same member is a duplicate and a message short of its members is a loss. A run
/// passes only when every acknowledged message reached every other member exactly once.
/// </summary>
public sealed class GroupLedger
{
    private readonly Stream[] _streams;
    private readonly Member[] _members;
    private long _sent, _acked, _rejected, _deliveries, _duplicates, _unknown;

    /// <param name="streams">Senders.</param>
    /// <param name="members">Members online, senders included (a sender is the member with the same index).</param>
    public GroupLedger(int streams, int members)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(members, streams);
        _streams = [.. Enumerable.Range(0, streams).Select(_ => new Stream())];
        _members = [.. Enumerable.Range(0, members).Select(_ => new Member(streams))];
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Acknowledged => Interlocked.Read(ref _acked);
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Distinct (message, member) arrivals.</summary>
    public long Deliveries => Interlocked.Read(ref _deliveries);

    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>Deliveries each acknowledged message owes: every member but its sender.</summary>
    public int OwedPerMessage => _members.Length - 1;

    public long Send(int stream, long sentAt)
    {
        var s = _streams[stream];
        Interlocked.Increment(ref _sent);
        lock (s)
        {
            s.Entries.Add(new Entry { SentAt = sentAt });
            return s.Entries.Count - 1;
        }
    }

    public bool Acknowledge(int stream, long number, out long sentAt) => Flag(stream, number, acked: true, out sentAt);

    public bool TryReject(int stream, long number, out long sentAt) => Flag(stream, number, acked: false, out sentAt);

    /// <summary>Every unanswered message of the stream is rejected; returns their send times.</summary>
    public IReadOnlyList<long> RejectUnsettled(int stream)
    {
        var s = _streams[stream];
        var times = new List<long>();
        lock (s)
        {
            foreach (var e in s.Entries.Where(e => e.Flags == 0))
            {
                e.Flags = RejectedFlag;
                Interlocked.Increment(ref _rejected);
                times.Add(e.SentAt);
            }
        }
        return times;
    }

    /// <summary>Member <paramref name="member"/> received the message with <paramref name="clientId"/>; true (and its send time) for its first copy there.</summary>
    public bool Receive(int member, ReadOnlySpan<byte> clientId, out long sentAt)
    {
        sentAt = 0;
        if (!MessageLedger.TryParseClientId(clientId, out var stream, out var number) || stream >= _streams.Length)
        {
            Interlocked.Increment(ref _unknown);
            return false;
        }
        var s = _streams[stream];
        Entry entry;
        lock (s)
        {
            if (number >= s.Entries.Count)
            {
                Interlocked.Increment(ref _unknown);
                return false;
            }
            entry = s.Entries[(int)number];
        }
        if (!_members[member].Mark(stream, number))
        {
            Interlocked.Increment(ref _duplicates);
            return false;
        }
        Interlocked.Increment(ref entry.Arrivals);
        Interlocked.Increment(ref _deliveries);
        sentAt = entry.SentAt;
        return true;
    }

    /// <summary>Deliveries acknowledged messages still owe.</summary>
    public long Missing
    {
        get
        {
            long missing = 0;
            foreach (var s in _streams)
                lock (s)
                    foreach (var e in s.Entries)
                        if (e.Flags == AckedFlag) missing += Math.Max(0, OwedPerMessage - Volatile.Read(ref e.Arrivals));
            return missing;
        }
    }

    /// <summary>Deliveries of messages the server did not acknowledge (refused or unanswered): should be none.</summary>
    public long DeliveredUnacknowledged
    {
        get
        {
            long count = 0;
            foreach (var s in _streams)
                lock (s)
                    foreach (var e in s.Entries)
                        if (e.Flags != AckedFlag) count += Volatile.Read(ref e.Arrivals);
            return count;
        }
    }

    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        if (Missing is > 0 and var missing) failures.Add($"{missing} deliveries of acknowledged messages never arrived (lost)");
        if (Duplicates > 0) failures.Add($"{Duplicates} deliveries arrived twice at the same member (duplicated)");
        if (Unknown > 0) failures.Add($"{Unknown} messages arrived that this run never sent");
        if (DeliveredUnacknowledged is > 0 and var unacked) failures.Add($"{unacked} deliveries of messages the server never acknowledged");
        return failures;
    }

    private const byte AckedFlag = 1, RejectedFlag = 2;

    private bool Flag(int stream, long number, bool acked, out long sentAt)
    {
        sentAt = 0;
        var s = _streams[stream];
        lock (s)
        {
            if (number < 0 || number >= s.Entries.Count) return false;
            var e = s.Entries[(int)number];
            if (e.Flags != 0) return false;
            e.Flags = acked ? AckedFlag : RejectedFlag;
            sentAt = e.SentAt;
        }
        if (acked) Interlocked.Increment(ref _acked);
        else Interlocked.Increment(ref _rejected);
        return true;
    }

    private sealed class Entry
    {
        public long SentAt;
        public byte Flags;
        public int Arrivals;
    }

    private sealed class Stream
    {
        public readonly List<Entry> Entries = [];
    }

    /// <summary>What one member received: a bitmap per stream (its frames come one at a time, from its device's loop).</summary>
    private sealed class Member(int streams)
    {
        private readonly ulong[][] _seen = [.. Enumerable.Range(0, streams).Select(_ => new ulong[4])];
        private readonly Lock _lock = new();

        public bool Mark(int stream, long number)
        {
            lock (_lock)
            {
                var bits = _seen[stream];
                var word = (int)(number >> 6);
                if (word >= bits.Length) Array.Resize(ref _seen[stream], Math.Max(word + 1, bits.Length * 2));
                bits = _seen[stream];
                var mask = 1UL << (int)(number & 63);
                if ((bits[word] & mask) != 0) return false;
                bits[word] |= mask;
                return true;
            }
        }
    }
}
