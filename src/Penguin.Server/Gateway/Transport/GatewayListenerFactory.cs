using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Penguin.Server.Gateway.Transport;

/// <summary>
/// Kestrel's socket transport with the devices taken out. Each accepted TCP connection is looked at (peeked, not
/// read) before Kestrel sees it: a plain, valid WebSocket upgrade to /ws is answered here and served by the gateway
/// on a <see cref="SocketWebSocket"/> straight on the socket — no Kestrel connection, pipes or stream, about 4 KB
/// less per idle device. Everything else (REST, TLS, a /ws request that is not a clean upgrade) becomes an ordinary
/// Kestrel connection with its bytes untouched, where <see cref="WebSocketUpgrade"/> and the endpoints answer it.
/// </summary>
internal sealed class GatewayListenerFactory(IServiceProvider services, ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Kestrel's own transport says so the same way; startup turns it into the "port in use" exit (69).
            throw new AddressInUseException(e.Message, e);
        }
        socket.Listen(512);
        var listener = new GatewayListener(socket, services, loggers.CreateLogger<GatewayListener>());
        return ValueTask.FromResult<IConnectionListener>(listener);
    }
}

internal sealed partial class GatewayListener : IConnectionListener
{
    private const int MaxHeadBytes = 8 * 1024;

    private readonly Socket _listen;
    private readonly SocketConnectionContextFactory _kestrel;
    private readonly Channel<ConnectionContext> _handed = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DeviceCount _devices = new();
    private readonly CancellationTokenSource _unbound = new();
    private readonly WebSocketGateway _gateway;
    private readonly ConnectionLimits _limits;
    private readonly Hosting.ServerOptions _options;
    private readonly SocketWebSocketOptions _socketOptions;
    private readonly ILogger _logger;
    private readonly Task _accepting;

    public GatewayListener(Socket listen, IServiceProvider services, ILogger<GatewayListener> logger)
    {
        _listen = listen;
        _logger = logger;
        _gateway = services.GetRequiredService<WebSocketGateway>();
        _limits = services.GetRequiredService<ConnectionLimits>();
        _options = services.GetRequiredService<Hosting.ServerOptions>();
        _socketOptions = new SocketWebSocketOptions(_options.MaxUnflushedBytes, _options.SlowConsumerTimeout);
        _kestrel = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), logger);
        EndPoint = listen.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _handed.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_unbound.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listen.AcceptAsync(_unbound.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // gone before we took it
            }
            catch (SocketException e)
            {
                // Out of descriptors and the like: say so, wait a moment rather than spin.
                LogAcceptFailed(e);
                try { await Task.Delay(100, _unbound.Token); } catch (OperationCanceledException) { break; }
                continue;
            }
            accepted.NoDelay = true;
            _ = ServeAsync(accepted);
        }
        _handed.Writer.TryComplete();
    }

    /// <summary>
    /// Serves one accepted connection: a device is upgraded here and runs in the gateway until it leaves; anything
    /// else goes to Kestrel or is closed. This state machine stays parked for a device's whole life, so whatever
    /// the handshake needed (its head, key, timeout) lives in <see cref="UpgradeAsync"/>, not here.
    /// </summary>
    private async Task ServeAsync(Socket socket)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        if (!_limits.TryOpen(address))
        {
            socket.Dispose();
            return;
        }
        _devices.Started();
        try
        {
            if (await UpgradeAsync(socket) != Upgrade.Done) return;
            try
            {
                await _gateway.RunAsync(new SocketWebSocket(socket, _socketOptions));
            }
            finally
            {
                _limits.CloseWebSocket();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone during the handshake.
        }
        catch (Exception e)
        {
            LogDeviceFailed(e);
        }
        finally
        {
            _limits.Close(address);
            _devices.Ended();
        }
    }

    private enum Upgrade { Done, HandedOn, Ended }

    /// <summary>
    /// Decides from the first bytes who serves the connection (one that says nothing within the handshake timeout is
    /// closed); for a device, takes the request head off the socket and answers 101 (or 503 when the gateway is full).
    /// Anything but <see cref="Upgrade.Done"/> leaves the socket handed to Kestrel or disposed.
    /// </summary>
    private async Task<Upgrade> UpgradeAsync(Socket socket)
    {
        string? key = null;
        var headLength = 0;
        var handToKestrel = false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_unbound.Token);
            timeout.CancelAfter(_options.HandshakeTimeout);
            (handToKestrel, key, headLength) = await PeekAsync(socket, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Silent, a head that never ends, or gone: closed, as WebSocketUpgrade does on the Kestrel path.
        }
        if (key is null)
        {
            if (handToKestrel && _handed.Writer.TryWrite(_kestrel.Create(socket))) return Upgrade.HandedOn;
            socket.Dispose();
            return Upgrade.Ended;
        }

        try
        {
            var head = new byte[headLength];
            for (var read = 0; read < headLength;)
            {
                var n = await socket.ReceiveAsync(head.AsMemory(read), SocketFlags.None);
                if (n == 0)
                {
                    socket.Dispose();
                    return Upgrade.Ended;
                }
                read += n;
            }
            socket.Blocking = false;
            if (!_limits.TryOpenWebSocket())
            {
                await SocketWebSocket.SendAllAsync(socket, WebSocketUpgrade.GatewayFull);
                socket.Shutdown(SocketShutdown.Send);
                socket.Dispose();
                return Upgrade.Ended;
            }
            await SocketWebSocket.SendAllAsync(socket, WebSocketUpgrade.SwitchingProtocols(key));
            return Upgrade.Done;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Peeks until the bytes show a verdict. The request head normally arrives in one segment; when it does not,
    /// peeking again is paced (a peek does not wait for more than is there).
    /// </summary>
    private static async Task<(bool HandToKestrel, string? Key, int HeadLength)> PeekAsync(Socket socket, CancellationToken cancellationToken)
    {
        await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes + 1);
        try
        {
            var seen = 0;
            while (true)
            {
                var peeked = await socket.ReceiveAsync(buffer.AsMemory(0, MaxHeadBytes + 1), SocketFlags.Peek, cancellationToken);
                if (peeked == 0) return (false, null, 0);
                var (verdict, end) = WebSocketUpgrade.Inspect(new ReadOnlySequence<byte>(buffer, 0, peeked), out var key);
                if (verdict == WebSocketUpgrade.Verdict.NotOurs) return (true, null, 0);
                if (verdict == WebSocketUpgrade.Verdict.Ours) return (false, key, (int)end.GetInteger());
                if (peeked == seen) await Task.Delay(20, cancellationToken);
                seen = peeked;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        _listen.Dispose();
        return new ValueTask(_accepting);
    }

    /// <summary>The gateway has closed every device with 1001 when the host began to stop; this waits (bounded) until they are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync();
        try
        {
            await _devices.WhenNoneAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // A device that ignores the close is cut when the process ends.
        }
        _kestrel.Dispose();
        _unbound.Dispose();
    }

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "Accepting a connection failed; retrying")]
    private partial void LogAcceptFailed(Exception e);

    [LoggerMessage(EventId = 117, Level = LogLevel.Error, Message = "A device connection failed unexpectedly")]
    private partial void LogDeviceFailed(Exception e);
}

/// <summary>The connections being served here (handshakes and devices): a count, and a task for when it is back to none (without a set of tasks held per device).</summary>
internal sealed class DeviceCount
{
    private readonly Lock _lock = new();
    private int _count;
    private TaskCompletionSource? _none;

    public void Started()
    {
        lock (_lock) _count++;
    }

    public void Ended()
    {
        lock (_lock)
            if (--_count == 0)
            {
                _none?.TrySetResult();
                _none = null;
            }
    }

    public Task WhenNoneAsync()
    {
        lock (_lock)
            return _count == 0 ? Task.CompletedTask : (_none ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }
}
