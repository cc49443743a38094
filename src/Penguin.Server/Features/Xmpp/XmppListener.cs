using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// Accepts XMPP clients on <see cref="XmppOptions.Port"/> and serves each stream on its own task. XMPP streams count
/// against the same cap as WebSockets (Penguin:MaxWebSockets): each is a device connection.
/// </summary>
internal sealed partial class XmppListener(XmppServices services, ConnectionLimits limits, ILogger<XmppListener> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Task, byte> _streams = new();
    private TcpListener? _listener;

    /// <summary>Where the listener is bound (its port when 0 was asked for); null before start.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndpoint as IPEndPoint;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var options = services.Options;
        // Bound now, before the host reports started, so a busy port stops the start and tests know the port.
        _listener = new TcpListener(IPAddress.Parse(options.Address), options.Port);
        try
        {
            _listener.Start(backlog: 512);
        }
        catch (SocketException e)
        {
            throw new StartupException(
                $"cannot listen for XMPP / 无法监听 XMPP 端口: {options.Address}:{options.Port}: {e.Message}. Stop the other process or set Penguin:Xmpp:Port.",
                ExitCodes.Unavailable, e);
        }
        try
        {
            services.Certificate.Value.ToString(); // a bad configured certificate stops the start, not the first client
        }
        catch (CryptographicException e)
        {
            _listener.Stop();
            throw new StartupException(
                $"configuration error / 配置错误: Penguin:Xmpp:CertificatePath cannot be loaded / 证书无法加载: {e.Message} Check the file, Penguin:Xmpp:CertificateKeyPath and Penguin:Xmpp:CertificatePassword.",
                ExitCodes.Configuration, e);
        }
        var endPoint = $"{LocalEndPoint}";
        LogListening(endPoint, options.Domain);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var socket = await _listener!.AcceptSocketAsync(stoppingToken);
                if (!limits.TryOpenWebSocket())
                {
                    socket.Dispose();
                    continue;
                }
                socket.NoDelay = true;
                var task = ServeAsync(socket, stoppingToken);
                _streams.TryAdd(task, 0);
                _ = task.ContinueWith(t => _streams.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _listener!.Stop();
            // Each stream heard the stop (system-shutdown): wait briefly for them to say goodbye.
            await Task.WhenAny(Task.WhenAll(_streams.Keys), Task.Delay(TimeSpan.FromSeconds(3), services.Time, CancellationToken.None));
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
            await using var network = new NetworkStream(socket, ownsSocket: true);
            using var connection = new XmppConnection(services, network, remote);
            await connection.RunAsync(stoppingToken);
        }
        finally
        {
            limits.CloseWebSocket();
        }
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "XMPP listening on {EndPoint} for domain {Domain}")]
    private partial void LogListening(string endPoint, string domain);
}
