using System.Diagnostics;
using System.Text;
using Penguin.Server.Gateway;

namespace Penguin.Server.Ops;

/// <summary>Counters of the node, served at /metrics in the Prometheus text format.</summary>
public sealed class PenguinMetrics
{
    private long _connectionsOpened, _connectionsOpen, _authenticated, _framesReceived, _registrations, _logins, _loginFailures;

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsOpened);
        Interlocked.Increment(ref _connectionsOpen);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    public void Authenticated() => Interlocked.Increment(ref _authenticated);

    public void FrameReceived() => Interlocked.Increment(ref _framesReceived);

    public void Registered() => Interlocked.Increment(ref _registrations);

    public void LoggedIn(bool ok) => Interlocked.Increment(ref ok ? ref _logins : ref _loginFailures);

    public string Render(ConnectionRegistry registry)
    {
        var process = Process.GetCurrentProcess();
        var sb = new StringBuilder();
        void Metric(string name, string type, string help, double value)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            sb.Append(name).Append(' ').Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
        Metric("penguin_connections_open", "gauge", "WebSocket connections open now.", Interlocked.Read(ref _connectionsOpen));
        Metric("penguin_connections_total", "counter", "WebSocket connections accepted.", Interlocked.Read(ref _connectionsOpened));
        Metric("penguin_sessions_online", "gauge", "Authenticated device connections now.", registry.Count);
        Metric("penguin_authentications_total", "counter", "Successful WebSocket authentications.", Interlocked.Read(ref _authenticated));
        Metric("penguin_frames_received_total", "counter", "WebSocket frames received.", Interlocked.Read(ref _framesReceived));
        Metric("penguin_registrations_total", "counter", "Accounts registered.", Interlocked.Read(ref _registrations));
        Metric("penguin_logins_total", "counter", "Successful password logins.", Interlocked.Read(ref _logins));
        Metric("penguin_login_failures_total", "counter", "Failed password logins.", Interlocked.Read(ref _loginFailures));
        Metric("process_resident_memory_bytes", "gauge", "Resident memory of the server process.", process.WorkingSet64);
        Metric("dotnet_gc_heap_bytes", "gauge", "Managed heap size.", GC.GetTotalMemory(false));
        return sb.ToString();
    }
}
