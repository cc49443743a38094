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

    private static readonly byte[] RunTagUtf8 = System.Text.Encoding.ASCII.GetBytes(RunTag);

    /// <summary>The longest client id <see cref="WriteClientId"/> writes.</summary>
    public const int MaxClientIdBytes = 1 + 10 + 1 + 19 + 1 + 8;

    /// <summary><see cref="ClientId"/> written as UTF-8 into <paramref name="destination"/> (at least <see cref="MaxClientIdBytes"/>); returns its length.</summary>
    public static int WriteClientId(Span<byte> destination, int stream, long number)
    {
        destination[0] = (byte)'L';
        System.Buffers.Text.Utf8Formatter.TryFormat(stream, destination[1..], out var length);
        length++;
        destination[length++] = (byte)'-';
        System.Buffers.Text.Utf8Formatter.TryFormat(number, destination[length..], out var written);
        length += written;
        destination[length++] = (byte)'~';
        RunTagUtf8.CopyTo(destination[length..]);
        return length + RunTagUtf8.Length;
    }

    /// <summary><see cref="TryParseClientId(string, out int, out long)"/> on the UTF-8 bytes of a client id.</summary>
    public static bool TryParseClientId(ReadOnlySpan<byte> clientId, out int stream, out long number)
    {
        stream = 0;
        number = 0;
        var dash = clientId.IndexOf((byte)'-');
        var tilde = clientId.IndexOf((byte)'~');
        return clientId.Length > 2 && clientId[0] == (byte)'L' && dash > 1 && tilde > dash + 1
            && clientId[(tilde + 1)..].SequenceEqual(RunTagUtf8)
            && System.Buffers.Text.Utf8Parser.TryParse(clientId[1..dash], out stream, out var streamLength) && streamLength == dash - 1 && stream >= 0
            && System.Buffers.Text.Utf8Parser.TryParse(clientId[(dash + 1)..tilde], out number, out var numberLength) && numberLength == tilde - dash - 1 && number >= 0;
    }

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
    public void Acknowledge(int stream, long number) => Flag(stream, number, AckedFlag, ref _acked, out _);

    /// <summary>The server stored the message and said so; <paramref name="sentAt"/> is when it was sent. False when already acknowledged.</summary>
    public bool Acknowledge(int stream, long number, out long sentAt) => Flag(stream, number, AckedFlag, ref _acked, out sentAt);

    /// <summary>The send failed (error reply, timeout, closed connection): the message is not owed to the recipient.</summary>
    public void Reject(int stream, long number) => Flag(stream, number, RejectedFlag, ref _rejected, out _);

    /// <summary>The send was refused; <paramref name="sentAt"/> is when it was sent. False when already rejected.</summary>
    public bool TryReject(int stream, long number, out long sentAt) => Flag(stream, number, RejectedFlag, ref _rejected, out sentAt);

    /// <summary>Rejects every message of <paramref name="stream"/> still neither acknowledged nor rejected (its answer never came); returns their send times.</summary>
    public IReadOnlyList<long> RejectUnsettled(int stream)
    {
        var s = _streams[stream];
        var rejected = new List<long>();
        lock (s)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Entries);
            for (var i = 0; i < span.Length; i++)
            {
                if ((span[i].Flags & (AckedFlag | RejectedFlag)) != 0) continue;
                span[i].Flags |= RejectedFlag;
                rejected.Add(span[i].SentAt);
            }
        }
        Interlocked.Add(ref _rejected, rejected.Count);
        return rejected;
    }

    /// <summary>From now on a repeated arrival is a re-send the check asked for, and a first arrival was recovered by sync.</summary>
    public void BeginSyncCheck() => _syncCheck = true;

    /// <summary>Accounts the arrival of <paramref name="clientId"/> at its recipient; <paramref name="sentAt"/> is when it was sent.</summary>
    public Arrival Receive(string clientId, out long sentAt)
    {
        sentAt = 0;
        if (!TryParseClientId(clientId, out var stream, out var number)) return Count(Arrival.Unknown, ref _unknown);
        return Receive(stream, number, out sentAt);
    }

    /// <summary><see cref="Receive(string, out long)"/> for a client id in UTF-8, read straight from a received frame.</summary>
    public Arrival Receive(ReadOnlySpan<byte> clientId, out long sentAt)
    {
        sentAt = 0;
        if (!TryParseClientId(clientId, out var stream, out var number)) return Count(Arrival.Unknown, ref _unknown);
        return Receive(stream, number, out sentAt);
    }

    private Arrival Receive(int stream, long number, out long sentAt)
    {
        sentAt = 0;
        if (stream >= _streams.Length) return Count(Arrival.Unknown, ref _unknown);
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

    private bool Flag(int stream, long number, byte flag, ref long counter, out long sentAt)
    {
        var s = _streams[stream];
        lock (s)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Entries);
            ref var entry = ref span[(int)number];
            sentAt = entry.SentAt;
            if ((entry.Flags & flag) != 0) return false;
            entry.Flags |= flag;
        }
        Interlocked.Increment(ref counter);
        return true;
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
