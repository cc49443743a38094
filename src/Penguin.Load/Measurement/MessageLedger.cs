using System.Globalization;

namespace Penguin.Load.Measurement;

/// <summary>What happened when a message arrived at its recipient.</summary>
public enum Arrival
{
    /// <summary>The first copy of a message this run sent: it counts as delivered.</summary>
    First,

    /// <summary>A second copy on the live path: the server promises each event once per connection.</summary>
    Duplicate,

    /// <summary>A copy the final sync check asked for again (already held): expected, not a duplicate.</summary>
    Resent,

    /// <summary>A client id this run never sent.</summary>
    Unknown,
}

/// <summary>
/// Accounting of every message of a run, one stream per sender (a pair, or one sender of a catch-up): sent,
/// acknowledged by the server (<c>msg.sent</c>), rejected, received by the recipient (by client id), and
/// received twice. The client id names the stream and the message's number in it, so an arrival is
/// matched without a shared map. A run passes only when every acknowledged message arrived exactly once.
/// </summary>
public sealed class MessageLedger
{
    private const byte AckedFlag = 1, RejectedFlag = 2;
    private readonly Stream[] _streams;
    private long _sent, _acked, _rejected, _received, _duplicates, _resent, _unknown, _receivedBySync;
    private volatile bool _syncCheck;

    public MessageLedger(int streams)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        _streams = [.. Enumerable.Range(0, streams).Select(_ => new Stream())];
    }

    public int Streams => _streams.Length;
    public long Sent => Interlocked.Read(ref _sent);
    public long Acknowledged => Interlocked.Read(ref _acked);
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Distinct messages received (each counted once).</summary>
    public long Received => Interlocked.Read(ref _received);

    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Resent => Interlocked.Read(ref _resent);
    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>Messages that first arrived during the final sync check, not on the live path.</summary>
    public long ReceivedBySync => Interlocked.Read(ref _receivedBySync);

    /// <summary>
    /// Marks this run's client ids, so a run on a data directory kept from an earlier run is not taken for
    /// retries of that run's messages (the server answers a reused client id with the stored message).
    /// </summary>
    private static readonly string RunTag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    /// <summary>The client id of message <paramref name="number"/> of <paramref name="stream"/>: "L{stream}-{number}~{run}".</summary>
    public static string ClientId(int stream, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"L{stream}-{number}~{RunTag}");

    /// <summary>Reads a client id of this run; an id of another run (or not the tool's) is false.</summary>
    public static bool TryParseClientId(string clientId, out int stream, out long number)
    {
        stream = 0;
        number = 0;
        var dash = clientId.IndexOf('-', StringComparison.Ordinal);
        var tilde = clientId.IndexOf('~', StringComparison.Ordinal);
        return clientId.Length > 2 && clientId[0] == 'L' && dash > 1 && tilde > dash + 1
            && clientId.AsSpan(tilde + 1).SequenceEqual(RunTag)
            && int.TryParse(clientId.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out stream)
            && long.TryParse(clientId.AsSpan(dash + 1, tilde - dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>Records a message about to be sent at <paramref name="sentAt"/> (a Stopwatch timestamp); returns its number in the stream.</summary>
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

    /// <summary>The server stored the message and said so.</summary>
    public void Acknowledge(int stream, long number) => Flag(stream, number, AckedFlag, ref _acked);

    /// <summary>The send failed (error reply, timeout, closed connection): the message is not owed to the recipient.</summary>
    public void Reject(int stream, long number) => Flag(stream, number, RejectedFlag, ref _rejected);

    /// <summary>From now on a repeated arrival is a re-send the check asked for, and a first arrival was recovered by sync.</summary>
    public void BeginSyncCheck() => _syncCheck = true;

    /// <summary>Accounts the arrival of <paramref name="clientId"/> at its recipient; <paramref name="sentAt"/> is when it was sent.</summary>
    public Arrival Receive(string clientId, out long sentAt)
    {
        sentAt = 0;
        if (!TryParseClientId(clientId, out var stream, out var number) || stream >= _streams.Length) return Count(Arrival.Unknown, ref _unknown);
        var s = _streams[stream];
        lock (s)
        {
            if (number >= s.Entries.Count) return Count(Arrival.Unknown, ref _unknown);
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Entries);
            ref var entry = ref span[(int)number];
            sentAt = entry.SentAt;
            if (entry.Arrivals++ == 0)
            {
                Interlocked.Increment(ref _received);
                if (_syncCheck) Interlocked.Increment(ref _receivedBySync);
                return Arrival.First;
            }
        }
        return _syncCheck ? Count(Arrival.Resent, ref _resent) : Count(Arrival.Duplicate, ref _duplicates);
    }

    /// <summary>Acknowledged messages that have not arrived (yet).</summary>
    public long Missing => _streams.Sum(MissingIn);

    /// <summary>The streams with acknowledged messages that have not arrived: their recipients need the sync check.</summary>
    public IReadOnlyList<int> StreamsMissing() => [.. Enumerable.Range(0, _streams.Length).Where(i => MissingIn(_streams[i]) > 0)];

    /// <summary>Messages sent but neither acknowledged nor rejected (still in flight, or the reply never came).</summary>
    public long Unsettled => Sent - Acknowledged - Rejected;

    /// <summary>Received although the sender never got the acknowledgement (stored, but the reply was lost or timed out).</summary>
    public long ReceivedUnacknowledged => _streams.Sum(s =>
    {
        lock (s) return (long)s.Entries.Count(e => e.Arrivals > 0 && (e.Flags & AckedFlag) == 0);
    });

    /// <summary>Why the run failed, or empty when every acknowledged message arrived exactly once.</summary>
    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        if (Missing is > 0 and var missing) failures.Add($"{missing.ToString("N0", CultureInfo.InvariantCulture)} acknowledged messages never arrived at their recipient");
        if (Duplicates > 0) failures.Add($"{Duplicates.ToString("N0", CultureInfo.InvariantCulture)} messages arrived more than once on one connection");
        return failures;
    }

    private static long MissingIn(Stream s)
    {
        lock (s) return s.Entries.Count(e => (e.Flags & AckedFlag) != 0 && e.Arrivals == 0);
    }

    private void Flag(int stream, long number, byte flag, ref long counter)
    {
        var s = _streams[stream];
        lock (s)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Entries);
            ref var entry = ref span[(int)number];
            if ((entry.Flags & flag) != 0) return;
            entry.Flags |= flag;
        }
        Interlocked.Increment(ref counter);
    }

    private static Arrival Count(Arrival arrival, ref long counter)
    {
        Interlocked.Increment(ref counter);
        return arrival;
    }

    private struct Entry
    {
        public long SentAt;
        public byte Flags;
        public int Arrivals;
    }

    private sealed class Stream
    {
        public readonly List<Entry> Entries = [];
    }
}
