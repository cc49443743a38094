using System.Diagnostics;
using System.Diagnostics.Metrics;
using Penguin.Server.Gateway;

namespace Penguin.Server.Ops;

/// <summary>
/// The node's own instruments (System.Diagnostics.Metrics, meter "Penguin.Server"), created through the host's
/// <see cref="IMeterFactory"/> so that /metrics shows this node's figures only (see <see cref="PrometheusExposition"/>).
/// The Prometheus names (after the exposition's conversion) are kept from the hand-written version:
/// the load tool reads penguin_sessions_online and dotnet_gc_heap_bytes.
/// </summary>
public sealed class PenguinMetrics
{
    public const string MeterName = "Penguin.Server";

    private static readonly KeyValuePair<string, object?> StateAuthenticated = new("state", "authenticated");
    private static readonly KeyValuePair<string, object?> StateUnauthenticated = new("state", "unauthenticated");

    private readonly Counter<long> _connections;
    private readonly Counter<long> _authentications;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _loginFailures;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _messagesDelivered;
    private readonly Histogram<double> _sendDuration;
    private long _open;

    public PenguinMetrics(IMeterFactory meters, ConnectionRegistry registry)
    {
        var meter = meters.Create(MeterName);
        _connections = meter.CreateCounter<long>("penguin.connections", description: "WebSocket connections accepted.");
        _authentications = meter.CreateCounter<long>("penguin.authentications", description: "Successful WebSocket authentications.");
        _frames = meter.CreateCounter<long>("penguin.frames.received", description: "WebSocket frames received.");
        _registrations = meter.CreateCounter<long>("penguin.registrations", description: "Accounts registered.");
        _logins = meter.CreateCounter<long>("penguin.logins", description: "Successful password logins.");
        _loginFailures = meter.CreateCounter<long>("penguin.login.failures", description: "Failed password logins (wrong password, unknown or disabled account, throttled).");
        _authFailures = meter.CreateCounter<long>("penguin.auth.failures", description: "Rejected credentials by kind: password (REST login), token (REST bearer or WebSocket auth).");
        _messagesSent = meter.CreateCounter<long>("penguin.messages.sent", description: "Send requests answered, by outcome: ok (stored), duplicate (a retry of a stored message), rejected.");
        _messagesDelivered = meter.CreateCounter<long>("penguin.messages.delivered", description: "Delivery acknowledgements from devices (each confirms every message up to its seq).");
        _sendDuration = meter.CreateHistogram("penguin.message.send.duration", unit: "s",
            description: "From a send request read to its answer queued: validation, storage (the commit) and fan-out.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        meter.CreateObservableGauge("penguin.connections.open", () => Interlocked.Read(ref _open), description: "WebSocket connections open now.");
        meter.CreateObservableGauge("penguin.connections.by_state", () =>
        {
            var open = Interlocked.Read(ref _open);
            var authenticated = Math.Min(open, registry.Count);
            return new[] { new Measurement<long>(authenticated, StateAuthenticated), new Measurement<long>(open - authenticated, StateUnauthenticated) };
        }, description: "WebSocket connections open now, by state.");
        meter.CreateObservableGauge("penguin.sessions.online", () => (long)registry.Count, description: "Authenticated device connections now.");
        meter.CreateObservableGauge("process.resident_memory", () => Process.GetCurrentProcess().WorkingSet64, unit: "By", description: "Resident memory of the server process.");
        meter.CreateObservableGauge("dotnet.gc.heap", () => GC.GetTotalMemory(false), unit: "By", description: "Managed heap size.");
    }

    public void ConnectionOpened()
    {
        _connections.Add(1);
        Interlocked.Increment(ref _open);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _open);

    public void Authenticated() => _authentications.Add(1);

    public void AuthenticationFailed(string kind) => _authFailures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void FrameReceived() => _frames.Add(1);

    public void Registered() => _registrations.Add(1);

    public void LoggedIn(bool ok)
    {
        if (ok)
        {
            _logins.Add(1);
            return;
        }
        _loginFailures.Add(1);
        AuthenticationFailed("password");
    }

    public void MessageSent(string outcome, TimeSpan elapsed)
    {
        _messagesSent.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _sendDuration.Record(elapsed.TotalSeconds);
    }

    public void Delivered() => _messagesDelivered.Add(1);
}
