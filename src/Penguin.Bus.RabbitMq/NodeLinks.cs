using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Penguin.Core.Common;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// Direct TCP streams between nodes for the deliveries the session directory addresses to one node
/// (<see cref="DeliveryBatch"/>): a crossing message then costs a socket write and a read instead of a publish and a
/// delivery in the broker. The broker still carries the directory, topics and everything sent while a link is down.
/// <para>
/// Each node listens on <see cref="RabbitMqBusOptions.NodeLink"/> and tells the others its address and a random token
/// in its Hello and Snapshot, which travel through the broker; a node connecting to it must present the token, so only
/// those who can read the broker can write to a node. Links are best effort like the broker path: a write that fails
/// or takes longer than <see cref="SendTimeout"/> closes the link (the caller sends that batch through the broker),
/// a new connection is tried after <see cref="RetryDelay"/>, and the devices fill any gap from the event log.
/// </para>
/// <code>
/// connecting side, once: "PNL1", the listener's 32-byte token, the connecting node's 16-byte id
/// then, each batch:      its length L (int32 little-endian, 1..MaxFrame), its L bytes (a DeliveryBatch)
/// </code>
/// </summary>
internal sealed partial class NodeLinks : IAsyncDisposable
{
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);
    private const int MaxFrame = 16 << 20;
    private const int MaxInbound = 256; // open inbound streams, handshaking or not: a few per node is normal
    private static ReadOnlySpan<byte> Magic => "PNL1"u8;
    private const int HandshakeSize = 4 + TokenSize + 16;
    public const int TokenSize = 32;

    private readonly Guid _self;
    private readonly Func<ReadOnlyMemory<byte>, bool> _onBatch;
    private readonly ILogger _logger;
    private readonly byte[] _token = RandomNumberGenerator.GetBytes(TokenSize);
    private readonly ConcurrentDictionary<Guid, Outbound> _outbound = new();
    private readonly ConcurrentDictionary<Socket, byte> _inbound = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private long _framesSent;
    private long _framesReceived;
    // A flood of strangers logs once a minute per kind (refused, turned away), not once each.
    private readonly FixedWindowThrottle _turnedAway = new(1, TimeSpan.FromMinutes(1), TimeProvider.System);

    /// <param name="self">This node's bus instance, sent in the handshake (for the logs of the other side).</param>
    /// <param name="onBatch">Hands a received batch over; false when it could not be read (the stream is then closed).</param>
    public NodeLinks(Guid self, Func<ReadOnlyMemory<byte>, bool> onBatch, ILogger logger)
    {
        _self = self;
        _onBatch = onBatch;
        _logger = logger;
    }

    /// <summary>What the other nodes are told (in Hello and Snapshot): where to connect, and the token to present; null when not listening.</summary>
    public LinkAddress? Advertised { get; private set; }

    /// <summary><see cref="Advertised"/> as the trailer of a Hello or Snapshot (encoded once).</summary>
    public byte[]? AdvertisedTrailer { get; private set; }

    /// <summary>Batches written to other nodes' streams, and read from theirs.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Links to other nodes that are connected now.</summary>
    public int Connected => _outbound.Values.Count(o => o.Socket is not null);

    /// <summary>Binds the listener (port 0: any free port) and starts accepting; <paramref name="advertiseHost"/> is the host others connect to.</summary>
    public void Listen(IPEndPoint endpoint, string advertiseHost)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        Advertised = new LinkAddress($"{FormatHost(advertiseHost)}:{((IPEndPoint)listener.LocalEndPoint!).Port}", _token);
        AdvertisedTrailer = Advertised.Encode();
        _accepting = Task.Run(AcceptLoopAsync);
    }

    private static string FormatHost(string host) => IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    /// <summary>A node told us where it listens: connect (in the background); until then its batches go through the broker.</summary>
    public void Learn(Guid node, LinkAddress address)
    {
        var outbound = _outbound.GetOrAdd(node, static _ => new Outbound());
        lock (outbound)
        {
            if (outbound.Address == address) return;
            outbound.Address = address;
            outbound.Close(); // a new address (the node listens elsewhere now): the old stream is stale
            outbound.RetryAt = 0;
        }
        StartConnecting(node, outbound);
    }

    /// <summary>The node left or went silent: its link is closed and forgotten.</summary>
    public void Forget(Guid node)
    {
        if (_outbound.TryRemove(node, out var outbound))
            lock (outbound) outbound.Close();
    }

    /// <summary>Closes the links of nodes no longer known (left, or forgotten after a silence).</summary>
    public void Prune(Func<Guid, bool> known)
    {
        foreach (var node in _outbound.Keys)
            if (!known(node)) Forget(node);
    }

    /// <summary>
    /// Writes a batch to the node's stream; false when there is no link (the caller sends it through the broker). Only
    /// the bus's single flush loop calls this, so writes to one stream never interleave.
    /// </summary>
    public async ValueTask<bool> TrySendAsync(Guid node, byte[] batch)
    {
        if (!_outbound.TryGetValue(node, out var outbound)) return false;
        var socket = outbound.Socket;
        if (socket is null)
        {
            StartConnecting(node, outbound);
            return false;
        }
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, batch.Length);
        try
        {
            await socket.SendAsync(new[] { new ArraySegment<byte>(header), new ArraySegment<byte>(batch) }).WaitAsync(SendTimeout, _stopping.Token);
            Interlocked.Increment(ref _framesSent);
            return true;
        }
        // A stream that fails or stalls is closed (a half-written batch is dropped by the reader at its end), and the
        // caller sends the batch through the broker: a copy that got through after all is dropped by seq on the device.
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException or OperationCanceledException)
        {
            lock (outbound)
                if (outbound.Socket == socket)
                {
                    outbound.Close();
                    outbound.RetryAt = Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds;
                }
            if (!_stopping.IsCancellationRequested) LogLinkLost(node, e.Message);
            return false;
        }
    }

    private void StartConnecting(Guid node, Outbound outbound)
    {
        LinkAddress address;
        lock (outbound)
        {
            if (outbound.Socket is not null || outbound.Connecting || outbound.Address is null || Environment.TickCount64 < outbound.RetryAt) return;
            outbound.Connecting = true;
            address = outbound.Address;
        }
        _ = Task.Run(() => ConnectAsync(node, outbound, address));
    }

    private async Task ConnectAsync(Guid node, Outbound outbound, LinkAddress address)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(SendTimeout);
            await socket.ConnectAsync(address.EndPoint(), timeout.Token);
            var handshake = new byte[HandshakeSize];
            Magic.CopyTo(handshake);
            address.Token.CopyTo(handshake, 4);
            _self.TryWriteBytes(handshake.AsSpan(4 + TokenSize));
            await socket.SendAsync(handshake, timeout.Token);
            lock (outbound)
            {
                if (outbound.Address == address && !_stopping.IsCancellationRequested && _outbound.ContainsKey(node))
                {
                    outbound.Socket = socket;
                    socket = null;
                }
            }
            if (socket is null)
            {
                LogLinkConnected(node, address.Host);
                lock (outbound) outbound.Unreachable = false;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or ArgumentException)
        {
            bool first;
            lock (outbound)
            {
                outbound.RetryAt = Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds;
                first = !outbound.Unreachable;
                outbound.Unreachable = true;
            }
            // Once until it connects: a crashed node is retried every second until the directory forgets it.
            if (first && !_stopping.IsCancellationRequested) LogLinkUnreachable(node, address.Host, e.Message);
        }
        finally
        {
            socket?.Dispose();
            lock (outbound) outbound.Connecting = false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener!.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // a connection reset before it was accepted
            if (_inbound.Count >= MaxInbound)
            {
                accepted.Dispose();
                if (_turnedAway.TryAcquire("full")) LogTooMany(MaxInbound);
                continue;
            }
            _inbound[accepted] = 0;
            _ = Task.Run(() => ReadLoopAsync(accepted));
        }
    }

    /// <summary>One inbound stream: the handshake (in time, with this node's token), then batches until it ends.</summary>
    private async Task ReadLoopAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            socket.NoDelay = true;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                timeout.CancelAfter(HandshakeTimeout);
                var got = 0;
                while (got < HandshakeSize)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(got, HandshakeSize - got), SocketFlags.None, timeout.Token);
                    if (read == 0) return;
                    got += read;
                }
            }
            if (!buffer.AsSpan(0, 4).SequenceEqual(Magic) || !CryptographicOperations.FixedTimeEquals(buffer.AsSpan(4, TokenSize), _token))
            {
                if (_turnedAway.TryAcquire("refused")) LogRefused(socket.RemoteEndPoint?.ToString());
                return;
            }
            await ReadBatchesAsync(socket, buffer);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        // Anything else (a bug in handing a batch over) ends this stream only, not silently: the sender reconnects.
        catch (Exception e)
        {
            LogReadFailed(e);
        }
        finally
        {
            _inbound.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    private async Task ReadBatchesAsync(Socket socket, byte[] buffer)
    {
        int start = 0, end = 0;
        while (true)
        {
            // Every whole frame in the buffer, then read more.
            while (end - start >= 4)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
                if (length is < 1 or > MaxFrame)
                {
                    LogUnreadable(length);
                    return;
                }
                if (end - start - 4 < length)
                {
                    if (4 + length > buffer.Length - start) (buffer, start, end) = MakeRoom(buffer, start, end, 4 + length);
                    break;
                }
                Interlocked.Increment(ref _framesReceived);
                if (!_onBatch(buffer.AsMemory(start + 4, length)))
                {
                    LogUnreadable(length);
                    return;
                }
                start += 4 + length;
            }
            if (start == end) start = end = 0;
            else if (buffer.Length - start < 4) (buffer, start, end) = MakeRoom(buffer, start, end, 4); // a header cut at the end
            var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _stopping.Token);
            if (read == 0) return; // the other node closed it (a half-written frame at the end is dropped)
            end += read;
        }
    }

    /// <summary>Moves the partial frame to the front, into a larger buffer when the frame needs more than this one holds.</summary>
    private static (byte[] Buffer, int Start, int End) MakeRoom(byte[] buffer, int start, int end, int needed)
    {
        var room = buffer.Length >= needed ? buffer : new byte[Math.Max(needed, buffer.Length * 2)];
        Buffer.BlockCopy(buffer, start, room, 0, end - start);
        return (room, 0, end - start);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _accepting;
        foreach (var node in _outbound.Keys) Forget(node);
        foreach (var socket in _inbound.Keys) socket.Dispose();
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Node link to {Node} at {Address} connected")]
    private partial void LogLinkConnected(Guid node, string address);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Node link to {Node} at {Address} unreachable ({Reason}); its deliveries go through the broker")]
    private partial void LogLinkUnreachable(Guid node, string address, string reason);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Node link to {Node} lost ({Reason}); its deliveries go through the broker until it is back")]
    private partial void LogLinkLost(Guid node, string reason);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Node link from {Remote} refused: wrong handshake or token (further refusals this minute are not logged)")]
    private partial void LogRefused(string? remote);

    [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "Node link frame of {Length} bytes unreadable; the stream is closed")]
    private partial void LogUnreadable(int length);

    [LoggerMessage(EventId = 316, Level = LogLevel.Warning, Message = "Node link: {Max} streams open, more connections turned away (not logged again this minute)")]
    private partial void LogTooMany(int max);

    [LoggerMessage(EventId = 315, Level = LogLevel.Error, Message = "Node link stream failed unexpectedly; closed")]
    private partial void LogReadFailed(Exception e);

    private sealed class Outbound
    {
        public LinkAddress? Address;
        public Socket? Socket;
        public bool Connecting;
        public bool Unreachable; // said so in the log since the last connection
        public long RetryAt; // Environment.TickCount64 before which no new connection is tried

        public void Close()
        {
            Socket?.Dispose();
            Socket = null;
        }
    }
}

/// <summary>Where a node's link listens ("host:port") and the token a connecting node must present.</summary>
internal sealed record LinkAddress(string Host, byte[] Token)
{
    public EndPoint EndPoint() =>
        IPEndPoint.TryParse(Host, out var ip) && ip.Port != 0 ? ip
        : Host.LastIndexOf(':') is var colon and > 0 && int.TryParse(Host.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535
            ? new DnsEndPoint(Host[..colon], port)
            : throw new ArgumentException($"Not a host:port: '{Host}'.");

    public bool Equals(LinkAddress? other) => other is not null && Host == other.Host && Token.AsSpan().SequenceEqual(other.Token);

    public override int GetHashCode() => Host.GetHashCode(StringComparison.Ordinal);

    /// <summary>The trailer of a Hello or Snapshot: the token, then the host's UTF-8 bytes.</summary>
    public byte[] Encode() => [.. Token, .. Encoding.UTF8.GetBytes(Host)];

    public static LinkAddress? Decode(ReadOnlySpan<byte> trailer) =>
        trailer.Length is > NodeLinks.TokenSize and <= NodeLinks.TokenSize + 512
            ? new LinkAddress(Encoding.UTF8.GetString(trailer[NodeLinks.TokenSize..]), trailer[..NodeLinks.TokenSize].ToArray())
            : null;
}
