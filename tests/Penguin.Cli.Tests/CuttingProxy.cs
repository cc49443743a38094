using System.Net;
using System.Net.Sockets;

namespace Penguin.Cli.Tests;

/// <summary>
/// A TCP proxy on loopback in front of the real server that drops the connection once: after
/// <paramref name="cutAfterUpstreamBytes"/> bytes have gone from the client to the server (an upload) or from the
/// server to the client (a download), as a train entering a tunnel does. Every later connection is passed through whole.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly long _cutAfter;
    private readonly bool _cutDownstream;
    private readonly bool _stall;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _forwarded;
    private int _cut;

    /// <param name="stall">Instead of dropping the connection, pass nothing more until the client closes it (a process that hangs, then is killed).</param>
    public CuttingProxy(string target, long cutAfterBytes, bool downstream = false, bool stall = false)
    {
        _stall = stall;
        _target = new Uri(target);
        _cutAfter = cutAfterBytes;
        _cutDownstream = downstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many times a connection was cut (0 or 1).</summary>
    public int Cuts => Volatile.Read(ref _cut);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), counted: !_cutDownstream, pair);
            var down = PumpAsync(server.GetStream(), client.GetStream(), counted: _cutDownstream, pair);
            await Task.WhenAny(up, down);
            await pair.CancelAsync();
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // One side went away.
        }
        finally
        {
            // An abortive close (RST), as a dropped network looks to both ends.
            client.Client.LingerState = new LingerOption(true, 0);
            server.Client.LingerState = new LingerOption(true, 0);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool counted, CancellationTokenSource pair)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, pair.Token);
                if (read == 0) return;
                if (counted && Volatile.Read(ref _cut) == 0)
                {
                    var total = Interlocked.Add(ref _forwarded, read);
                    if (total >= _cutAfter && Interlocked.Exchange(ref _cut, 1) == 0)
                    {
                        // Pass on what fits under the limit, then drop the connection mid-transfer.
                        var allowed = (int)Math.Max(0, read - (total - _cutAfter));
                        if (allowed > 0) await to.WriteAsync(buffer.AsMemory(0, allowed), pair.Token);
                        // Stalled: swallow whatever else comes until the client goes away (killed), then drop the connection.
                        if (_stall)
                            while (await from.ReadAsync(buffer, pair.Token) > 0) { }
                        return;
                    }
                }
                await to.WriteAsync(buffer.AsMemory(0, read), pair.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The pair is ending.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
