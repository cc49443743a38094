using System.Buffers.Text;
using System.Diagnostics;
using Penguin.Load.Measurement;
using Penguin.Load.Net;

namespace Penguin.Load.Scenarios;

/// <summary>
/// The sending side of a chat pair on a <see cref="WireDevice"/>: keeps up to --window messages unanswered, and
/// refills the window from the device's receive loop as answers arrive (every message freed by one read goes
/// out in one write). Each <c>msg.send</c> frame is composed from fixed bytes with the per-message fields
/// (request id, recipient, client id) written in; the request id is 2 × (number in the stream) + 2, so an
/// answer finds its message without a table. With --rate, a pacer hands out one send per tick.
/// </summary>
public sealed class WireSender : IWireEvents, IPacedSender
{
    private static readonly byte[] Op = "{\"op\":\"msg.send\",\"id\":"u8.ToArray();
    private static readonly byte[] To = ",\"to\":"u8.ToArray();
    private static readonly byte[] ClientIdField = ",\"clientId\":\""u8.ToArray();
    private static readonly byte[] TextField = "\",\"text\":\""u8.ToArray();
    private static readonly byte[] TextStart = System.Text.Encoding.UTF8.GetBytes(MessageTraffic.Text("\u0001").Split('\u0001')[0]);
    private static readonly byte[] TextEnd = System.Text.Encoding.UTF8.GetBytes(MessageTraffic.Text("\u0001").Split('\u0001')[1] + "\"}");

    private readonly int _stream;
    private readonly long _to;
    private readonly MessageLedger _ledger;
    private OperationStats _send;
    private readonly int _window;
    private readonly long _maxAllowance;
    private long _allowance;
    private long _sent;
    private int _inFlight;
    private volatile bool _stopped = true; // until Start: a drained socket during setup must not begin the traffic early

    /// <param name="rate">Messages per second, or null: as fast as answers allow.</param>
    public WireSender(WireDevice device, int stream, long to, MessageLedger ledger, OperationStats send, int window, double? rate)
    {
        Device = device;
        _stream = stream;
        _to = to;
        _ledger = ledger;
        _send = send;
        _window = window;
        _maxAllowance = rate is { } r ? Math.Max(1, (long)Math.Ceiling(r)) : long.MaxValue; // behind schedule: catch up by at most one second's worth
        _allowance = rate is null ? long.MaxValue : 0;
        device.Events = this;
    }

    public WireDevice Device { get; }

    public Task Completion => Device.Completion;

    /// <summary>Messages sent and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Where sends are accounted; changed only between phases, with nothing in flight (the warm-up's, then the measured one's).</summary>
    public OperationStats Stats
    {
        get => _send;
        set => _send = value;
    }

    /// <summary>Fills the window (as fast as answers allow) or sends what the pacer has allowed; after <see cref="Stop"/>, sends again.</summary>
    public void Start()
    {
        _stopped = Device.Completion.IsCompleted;
        Pump();
    }

    /// <summary>One more message may go (paced mode).</summary>
    public void Allow()
    {
        long current;
        do current = Interlocked.Read(ref _allowance);
        while (current < _maxAllowance && Interlocked.CompareExchange(ref _allowance, current + 1, current) != current);
        Pump();
    }

    /// <summary>No new message from now on; those in flight still get their answers.</summary>
    public void Stop() => _stopped = true;

    /// <summary>Messages still unanswered are rejected (their answer never came, or the connection ended); each counts as a failed send.</summary>
    public void RejectUnanswered(string reason)
    {
        foreach (var sentAt in _ledger.RejectUnsettled(_stream)) _send.Fail(sentAt, reason);
    }

    public void Accepted(long id)
    {
        if (!TryNumber(id, out var number)) return;
        if (_ledger.Acknowledge(_stream, number, out var sentAt))
        {
            _send.Succeed(sentAt);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Refused(long id, string code)
    {
        if (!TryNumber(id, out var number)) return;
        if (_ledger.TryReject(_stream, number, out var sentAt))
        {
            _send.Fail(sentAt, code);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Received(ReadOnlySpan<byte> clientId)
    {
    }

    public void Drained()
    {
        if (!_stopped && Volatile.Read(ref _inFlight) < _window) Pump();
    }

    public void Closed() => _stopped = true;

    private bool TryNumber(long id, out long number)
    {
        number = (id - 2) / 2;
        return id >= 2 && number < Interlocked.Read(ref _sent);
    }

    private void Pump()
    {
        lock (Device.SendLock)
        {
            Span<byte> json = stackalloc byte[512];
            while (!_stopped && Volatile.Read(ref _inFlight) < _window && Interlocked.Read(ref _allowance) > 0)
            {
                if (_allowance != long.MaxValue) Interlocked.Decrement(ref _allowance);
                var number = _ledger.Send(_stream, _send.Start());
                Interlocked.Increment(ref _inFlight);
                Interlocked.Exchange(ref _sent, number + 1);
                Device.AppendFrame(json[..Compose(json, number)]);
            }
            Device.Flush();
        }
    }

    private int Compose(Span<byte> json, long number)
    {
        var length = Put(json, 0, Op);
        Utf8Formatter.TryFormat(2 * number + 2, json[length..], out var written);
        length += written;
        length = Put(json, length, To);
        Utf8Formatter.TryFormat(_to, json[length..], out written);
        length += written;
        length = Put(json, length, ClientIdField);
        var clientId = length;
        length += MessageLedger.WriteClientId(json[length..], _stream, number);
        var clientIdLength = length - clientId;
        length = Put(json, length, TextField);
        length = Put(json, length, TextStart);
        json.Slice(clientId, clientIdLength).CopyTo(json[length..]);
        length += clientIdLength;
        return Put(json, length, TextEnd);
    }

    private static int Put(Span<byte> json, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(json[at..]);
        return at + bytes.Length;
    }
}

/// <summary>The receiving side of a chat pair on a <see cref="WireDevice"/>: accounts each message by the client id read from the frame.</summary>
public sealed class WireRecipient : IWireEvents
{
    private readonly MessageLedger _ledger;
    private readonly Action<Arrival, long> _arrived;

    public WireRecipient(WireDevice device, MessageLedger ledger, Action<Arrival, long> arrived)
        : this(ledger, arrived)
    {
        device.Events = this;
    }

    /// <summary>For a device still to be connected (<see cref="WireDevice.ResumeAsync"/>), which hears it from its first frame.</summary>
    public WireRecipient(MessageLedger ledger, Action<Arrival, long> arrived)
    {
        _ledger = ledger;
        _arrived = arrived;
    }

    public void Received(ReadOnlySpan<byte> clientId)
    {
        var arrival = _ledger.Receive(clientId, out var sentAt);
        _arrived(arrival, sentAt);
    }

    public void Accepted(long id)
    {
    }

    public void Refused(long id, string code)
    {
    }

    public void Drained()
    {
    }

    public void Closed()
    {
    }
}
