using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Xml.Linq;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0198 stream management: stanza counting both ways, &lt;r/&gt;/&lt;a/&gt;, and resumption. A resumable
/// stream whose transport drops is detached, not ended: the bound resource stays a live device (delivery continues,
/// presence stays), every stanza written is kept until the client acknowledges it, and a new stream that
/// authenticates as the same account and says &lt;resume previd h/&gt; within <see cref="XmppOptions.ResumeTimeout"/>
/// takes over: the stanzas the client did not acknowledge are sent again in order, then what arrived meanwhile, so
/// nothing is lost or sent twice. At most <see cref="XmppOptions.MaxUnackedStanzas"/> are kept per stream.
/// </summary>
internal sealed partial class XmppConnection
{
    private readonly Queue<string> _unacked = new();
    private bool _smEnabled;
    private string? _smId;
    /// <summary>Stanzas handled from the client (the h we acknowledge).</summary>
    private long _inbound;
    /// <summary>Stanzas written to the client; the unacknowledged ones are the last <see cref="_unacked"/>.Count.</summary>
    private long _outbound;
    /// <summary>The transport failed or dropped: writes only queue until a resumption attaches a new one.</summary>
    private bool _transportDead;
    private int _resuming;
    private TaskCompletionSource _detached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Set on the stream that handed its transport to a resumed one: done when that one stops using it.</summary>
    private Task? _handedOver;
    /// <summary>Completed when this stream stops using the transport a resumption gave it.</summary>
    private TaskCompletionSource? _borrowed;

    private bool Resumable => _smId is not null;

    private static bool IsStanza(XElement element) =>
        element.Name.Namespace == Client && element.Name.LocalName is "message" or "presence" or "iq";

    /// <summary>&lt;enable/&gt;, &lt;r/&gt; and &lt;a/&gt; after binding.</summary>
    private async Task StreamManagementAsync(XElement nonza)
    {
        switch (nonza.Name.LocalName)
        {
            case "enable" when !_smEnabled:
                XElement enabled;
                if ((string?)nonza.Attribute("resume") is "true" or "1")
                {
                    _smId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
                    _services.Resumption.Add(_smId, this);
                    enabled = new XElement(Sm + "enabled", new XAttribute("id", _smId), new XAttribute("resume", "true"),
                        new XAttribute("max", ((int)_options.ResumeTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
                }
                else
                {
                    enabled = new XElement(Sm + "enabled");
                }
                // Counting starts exactly after <enabled/>: no delivery may slip between the flag and the answer.
                await _writeLock.WaitAsync(_closed.Token);
                try
                {
                    _smEnabled = true;
                    await WriteOrDetachAsync(enabled.ToString(SaveOptions.DisableFormatting));
                }
                finally
                {
                    _writeLock.Release();
                }
                break;
            case "enable":
                await WriteAsync(SmFailed("unexpected-request"));
                break;
            case "r" when _smEnabled:
                await WriteAsync(new XElement(Sm + "a", new XAttribute("h", (_inbound % (1L << 32)).ToString(CultureInfo.InvariantCulture))));
                break;
            case "a" when _smEnabled:
                if (!long.TryParse((string?)nonza.Attribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out var h))
                    throw new XmppStreamException("undefined-condition", "Bad h / h 无效");
                await _writeLock.WaitAsync(_closed.Token);
                try
                {
                    if (!Acknowledge(h)) throw new XmppStreamException("undefined-condition", "h acknowledges more than was sent / 确认数超过已发送数");
                }
                finally
                {
                    _writeLock.Release();
                }
                break;
            default:
                await WriteAsync(SmFailed("unexpected-request"));
                break;
        }
    }

    /// <summary>Drops the stanzas the client counted (h, modulo 2^32); false when h is more than was sent.</summary>
    private bool Acknowledge(long h)
    {
        var acked = _outbound - _unacked.Count;
        var target = acked - (acked % (1L << 32)) + h; // h wraps at 2^32 (XEP-0198 §5)
        if (target < acked) target += 1L << 32;
        if (target > _outbound) return false;
        while (acked < target)
        {
            _unacked.Dequeue();
            acked++;
        }
        return true;
    }

    private static XElement SmFailed(string condition) =>
        new(Sm + "failed", new XElement(Stanzas + condition));

    /// <summary>Under the write lock: counts and keeps a stanza; false when too many are unacknowledged.</summary>
    private bool Keep(string xml)
    {
        _outbound++;
        _unacked.Enqueue(xml);
        return _unacked.Count <= _options.MaxUnackedStanzas;
    }

    /// <summary>Whether an exception is the transport going away (not a stream error, not the stream ending).</summary>
    private bool IsTransportLoss(Exception e) =>
        Resumable && _ended == 0 && !_closed.IsCancellationRequested &&
        e is IOException or EndOfStreamException or ObjectDisposedException or WebSocketException or OperationCanceledException;

    /// <summary>
    /// The transport dropped: waits for a resumption (true) or for the timeout or the end of the session (false). The
    /// device stays registered meanwhile and the heartbeat is kept, so the session is not taken offline.
    /// </summary>
    private async Task<bool> AwaitResumptionAsync()
    {
        await _writeLock.WaitAsync(_closed.Token);
        try
        {
            _transportDead = true;
            ForgetPending();
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        finally
        {
            _writeLock.Release();
        }
        await _network.DisposeAsync();
        _borrowed?.TrySetResult();
        _detached.TrySetResult();
        LogDetached(_userId);
        var waited = TimeSpan.Zero;
        var step = _services.Server.HeartbeatTimeout / 4;
        try
        {
            while (waited < _options.ResumeTimeout)
            {
                _connection!.LastReceived = _services.Time.GetTimestamp();
                var wait = step < _options.ResumeTimeout - waited ? step : _options.ResumeTimeout - waited;
                var delay = Task.Delay(wait, _services.Time, _closed.Token);
                if (await Task.WhenAny(_resumed.Task, delay) == _resumed.Task) return true;
                await delay;
                waited += wait;
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended (logged out, replaced, server stopping) while detached.
        }
        return _resumed.Task.IsCompleted;
    }

    /// <summary>
    /// A new stream, authenticated as this account, resumes this one: its transport and reader become this stream's,
    /// this stream sends &lt;resumed/&gt; and every unacknowledged stanza again. Returns the task the new stream
    /// waits on (this one done with the transport), or null when this stream cannot be resumed.
    /// </summary>
    internal async Task<Task?> ResumeAsync(long h, XmppConnection from)
    {
        if (from._userId != _userId || Interlocked.Exchange(ref _resuming, 1) == 1) return null;
        try
        {
            if (!_transportDead)
            {
                // The client often comes back before the old connection is seen to drop: drop it now.
                await _network.DisposeAsync();
                try
                {
                    await _detached.Task.WaitAsync(TimeSpan.FromSeconds(5), _services.Time, _closed.Token);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    return null;
                }
            }
            if (_closed.IsCancellationRequested || _ended == 1) return null;
            var borrowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _writeLock.WaitAsync(_closed.Token);
            try
            {
                if (!Acknowledge(h)) return null;
                _network = from._network;
                _transport = from._transport;
                _reader = from._reader;
                _webSocket = from._webSocket;
                _secure = from._secure;
                _headerSent = true;
                _transportDead = false;
                ForgetPending(); // gathered for the transport that dropped: what was a stanza is sent again below
                _detached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _borrowed = borrowed;
                await WriteOrDetachAsync(new XElement(Sm + "resumed", new XAttribute("previd", _smId!),
                    new XAttribute("h", (_inbound % (1L << 32)).ToString(CultureInfo.InvariantCulture))).ToString(SaveOptions.DisableFormatting));
                foreach (var stanza in _unacked)
                {
                    if (_transportDead) break;
                    await WriteOrDetachAsync(stanza);
                }
            }
            finally
            {
                _writeLock.Release();
            }
            LogResumed(_userId, _unacked.Count);
            _resumed.TrySetResult();
            return borrowed.Task;
        }
        finally
        {
            Interlocked.Exchange(ref _resuming, 0);
        }
    }

    /// <summary>Under the write lock: writes, or marks the transport dead when it fails (a resumable stream keeps the stanza).</summary>
    private async Task WriteOrDetachAsync(string xml)
    {
        _pending.Write(System.Text.Encoding.UTF8.GetBytes(xml)); // after what a held write gathered, in order
        try
        {
            await _transport.WriteAsync(_pending.WrittenMemory, _closed.Token);
            await _transport.FlushAsync(_closed.Token);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or WebSocketException or NotSupportedException)
        {
            _transportDead = true;
            _network.Dispose(); // wakes the reader, which then detaches the stream
        }
        finally
        {
            ForgetPending();
        }
    }

    /// <summary>On the new stream: &lt;resume/&gt; instead of binding.</summary>
    private async Task<bool> TryResumeAsync(XElement resume)
    {
        var previd = (string?)resume.Attribute("previd");
        if (previd is null || !long.TryParse((string?)resume.Attribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out var h) ||
            _services.Resumption.Find(previd) is not { } old || await old.ResumeAsync(h, this) is not { } served)
        {
            await WriteAsync(SmFailed("item-not-found"));
            return false;
        }
        _handedOver = served;
        return true;
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "XMPP stream of account {UserId} detached, waiting for resumption")]
    private partial void LogDetached(long userId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "XMPP stream of account {UserId} resumed, {Count} stanzas sent again")]
    private partial void LogResumed(long userId, int count);
}
