using System.Net;
using System.Net.Sockets;

namespace Penguin.Load.Net;

/// <summary>
/// The one HTTP handler of a run, used for REST and for WebSocket upgrades: every new TCP connection is
/// bound to the next source address of the pool before connecting. Only loopback servers are allowed.
/// </summary>
public sealed class LoopbackNetwork : IDisposable
{
    // Linux: let connect() pick the port so (source, port) pairs are shared across destinations.
    private const int SolIp = 0, IpBindAddressNoPort = 24;

    public LoopbackNetwork(SourceAddressPool sources)
    {
        Sources = sources;
        Handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = ConnectAsync,
        };
        Invoker = new HttpMessageInvoker(Handler, disposeHandler: false);
    }

    public SourceAddressPool Sources { get; }

    /// <summary>For REST: pass to <c>new PenguinClient(uri, Handler)</c>.</summary>
    public SocketsHttpHandler Handler { get; }

    /// <summary>For WebSockets: pass to <c>PenguinConnection.ConnectAsync(..., invoker)</c>.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>The server address as an IPv4 loopback URI; anything else is refused (this tool never leaves the machine).</summary>
    public static Uri RequireLoopback(Uri server)
    {
        var host = server.Host == "localhost" ? "127.0.0.1" : server.Host;
        if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(ip))
            throw new ArgumentException($"The server must be on an IPv4 loopback address (127.x.x.x), not '{server.Host}'.");
        return new UriBuilder(server) { Host = host }.Uri;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct) =>
        new NetworkStream(await ConnectSocketAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct), ownsSocket: true);

    /// <summary>A TCP connection (no delay) to <paramref name="host"/>:<paramref name="port"/> from the next source address of the pool.</summary>
    public async ValueTask<Socket> ConnectSocketAsync(string host, int port, CancellationToken ct)
    {
        var socket = BoundSocket();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port), ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The same, connected with a blocking call: the socket never touches the .NET async socket engine.</summary>
    public Socket ConnectSocket(string host, int port)
    {
        var socket = BoundSocket();
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Parse(host), port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Socket BoundSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (OperatingSystem.IsLinux())
            {
                try { socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1)); }
                catch (SocketException) { /* older kernels: bind picks the port, still per source address */ }
            }
            socket.Bind(new IPEndPoint(Sources.Next(), 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Invoker.Dispose();
        Handler.Dispose();
    }
}
