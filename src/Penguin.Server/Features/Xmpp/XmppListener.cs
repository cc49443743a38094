using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Penguin.Core.Common;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// Accepts XMPP clients on <see cref="XmppOptions.Port"/> and serves each stream on its own task. Each XMPP TCP
/// connection counts against the same caps as the HTTP port's: the node's TCP connections (Penguin:MaxConnections),
/// those from one address (Penguin:MaxConnectionsPerAddress) and device connections (Penguin:MaxWebSockets). One
/// over a cap is closed at once; the refusals are logged at most once a minute.
/// </summary>
internal sealed partial class XmppListener(XmppServices services, ConnectionLimits limits, ILogger<XmppListener> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Task, byte> _streams = new();
    // Accept failing (out of descriptors) logs once a minute, not once per attempt; refusals are ConnectionLimits' to log.
    private readonly FixedWindowThrottle _logged = new(1, TimeSpan.FromMinutes(1), services.Time);
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
                Socket socket;
                try
                {
                    socket = await _listener!.AcceptSocketAsync(stoppingToken);
                }
                catch (SocketException e)
                {
                    // Out of descriptors and the like: the listener keeps listening (an exception here would stop the
                    // host); say so once a minute, wait a moment rather than spin.
                    if (_logged.TryAcquire("accept")) LogAcceptFailed(e);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), services.Time, stoppingToken);
                    continue;
                }
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

    /// <summary>
    /// Counts the connection against the node's caps (or closes it at once), serves it, and gives back what it counted
    /// however it ends: a clean close, a half-finished header or TLS handshake, a stream error, a reset, a bug.
    /// </summary>
    private async Task ServeAsync(Socket socket, CancellationToken stoppingToken)
    {
        await Task.Yield();
        IPAddress remote;
        try
        {
            remote = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose(); // reset before it was looked at
            return;
        }
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (!limits.TryOpen(remote))
        {
            socket.Dispose(); // ConnectionLimits logs the refusal
            return;
        }
        try
        {
            if (!limits.TryOpenWebSocket(remote))
            {
                socket.Dispose();
                return;
            }
            try
            {
                socket.NoDelay = true;
                await using var network = new NetworkStream(socket, ownsSocket: true);
                using var connection = new XmppConnection(services, network, remote);
                await connection.RunAsync(stoppingToken);
            }
            finally
            {
                limits.CloseWebSocket();
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // Gone before the stream began.
        }
        catch (Exception e)
        {
            LogServeFailed(e);
        }
        finally
        {
            socket.Dispose(); // already closed by the stream, unless it ended before the stream was made
            limits.Close(remote);
        }
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "XMPP listening on {EndPoint} for domain {Domain}")]
    private partial void LogListening(string endPoint, string domain);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Accepting an XMPP connection failed; the listener keeps listening (logged once a minute)")]
    private partial void LogAcceptFailed(Exception e);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Serving an XMPP connection failed")]
    private partial void LogServeFailed(Exception e);
}
