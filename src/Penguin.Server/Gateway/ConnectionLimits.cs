using System.Collections.Concurrent;
using System.Net;
using Penguin.Core.Common;
using Penguin.Server.Hosting;

namespace Penguin.Server.Gateway;

/// <summary>
/// Caps what the node holds so it stays alive at its limits: TCP connections in all (below the process's fd limit),
/// per IP address, and WebSockets (below the TCP cap, so REST and /healthz still have room when the gateway is full).
/// Every port counts here (HTTP and XMPP), and a refusal on any of them is logged at most once a minute.
/// </summary>
public sealed partial class ConnectionLimits(ServerOptions options, ILogger<ConnectionLimits> logger, TimeProvider time)
{
    private readonly FixedWindowThrottle _logged = new(1, TimeSpan.FromMinutes(1), time);
    private readonly int _maxConnections = options.EffectiveMaxConnections;
    private readonly int _maxWebSockets = options.EffectiveMaxWebSockets;
    private readonly ConcurrentDictionary<IPAddress, int> _byAddress = new();
    private int _connections;
    private int _webSockets;
    private long _refused;

    public int Connections => Volatile.Read(ref _connections);

    public int WebSockets => Volatile.Read(ref _webSockets);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Counts a new TCP connection; false (nothing counted) when the node or its address is at the cap.</summary>
    public bool TryOpen(IPAddress? address)
    {
        address = Canonical(address);
        if (Interlocked.Increment(ref _connections) > _maxConnections)
        {
            Interlocked.Decrement(ref _connections);
            return Refuse(address);
        }
        if (!PerAddress(address)) return true;
        if (_byAddress.AddOrUpdate(address!, 1, static (_, n) => n + 1) <= options.MaxConnectionsPerAddress) return true;
        Release(address!);
        Interlocked.Decrement(ref _connections);
        return Refuse(address);
    }

    public void Close(IPAddress? address)
    {
        address = Canonical(address);
        Interlocked.Decrement(ref _connections);
        if (PerAddress(address)) Release(address!);
    }

    /// <summary>Counts a WebSocket; false when the gateway is full.</summary>
    public bool TryOpenWebSocket(IPAddress? address = null)
    {
        if (Interlocked.Increment(ref _webSockets) <= _maxWebSockets) return true;
        Interlocked.Decrement(ref _webSockets);
        return Refuse(Canonical(address));
    }

    /// <summary>Counts a refusal; a flood of them is one line a minute, not one per connection.</summary>
    private bool Refuse(IPAddress? address)
    {
        var refused = Interlocked.Increment(ref _refused);
        if (_logged.TryAcquire("refused")) LogTurnedAway(address?.ToString() ?? "?", Connections, WebSockets, refused);
        return false;
    }

    [LoggerMessage(EventId = 118, Level = LogLevel.Warning, Message = "Connection from {Address} turned away: the node is at Penguin:MaxConnections ({Connections} open), Penguin:MaxWebSockets ({Devices} device connections) or that address at Penguin:MaxConnectionsPerAddress; {Refused} refused since start (logged once a minute)")]
    private partial void LogTurnedAway(string address, int connections, int devices, long refused);

    public void CloseWebSocket() => Interlocked.Decrement(ref _webSockets);

    /// <summary>
    /// An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d on one port and may arrive as a.b.c.d on
    /// another: one client, one count.
    /// </summary>
    private static IPAddress? Canonical(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    private bool PerAddress(IPAddress? address) =>
        options.MaxConnectionsPerAddress > 0 && address is not null && (options.LimitLoopback || !IPAddress.IsLoopback(address));

    private void Release(IPAddress address)
    {
        while (true)
        {
            var n = _byAddress.GetValueOrDefault(address);
            if (n == 0) return;
            if (n == 1)
            {
                if (_byAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, n))) return;
            }
            else if (_byAddress.TryUpdate(address, n - 1, n)) return;
        }
    }
}
