using System.Net;
using System.Net.Sockets;
using Penguin.Server.Gateway.Transport;

namespace Penguin.Server.Tests;

/// <summary>The gateway's own epoll for its device sockets, over real loopback connections.</summary>
public sealed class SocketReadinessTests
{
    private static SocketReadiness Readiness => SocketReadiness.Shared ?? throw new InvalidOperationException("epoll is not available here");

    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        if (SocketReadiness.Shared is null) Assert.Skip("epoll is not available here (Linux x64/arm64 only)");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.Blocking = false;
        return (client, server);
    }

    [Fact]
    public async Task Wait_CompletesWhenBytesArrive_AndAgainForTheNextOnes()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var wait = Readiness.Watch(server);

        var first = wait.WaitAsync().AsTask();
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        await client.SendAsync("a"u8.ToArray(), SocketFlags.None);
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, server.Receive(new byte[8]));

        var second = wait.WaitAsync().AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted); // one-shot: re-armed, and nothing new is there
        await client.SendAsync("b"u8.ToArray(), SocketFlags.None);
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(5)));
        wait.Close();
    }

    [Fact]
    public async Task PeerClosing_WakesTheWait_AndTheReadSaysEndOfStream()
    {
        var (client, server) = await PairAsync();
        using var __ = server;
        var wait = Readiness.Watch(server);
        var waiting = wait.WaitAsync().AsTask();

        client.Dispose();

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, await wait.ReceiveAsync(new byte[8], SocketFlags.None, CancellationToken.None));
        wait.Close();
    }

    [Fact]
    public async Task Close_EndsAPendingWaitWithFalse_AndEveryLaterOneAtOnce()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var wait = Readiness.Watch(server);
        var waiting = wait.WaitAsync().AsTask();

        wait.Close();
        wait.Close();

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(await wait.WaitAsync());
        await client.SendAsync("late"u8.ToArray(), SocketFlags.None);
        Assert.False(await wait.WaitAsync());
    }

    [Fact]
    public async Task Cancelling_AReceiveThatWaits_ThrowsOperationCanceled_AndClosesTheWait()
    {
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var wait = Readiness.Watch(server);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait.ReceiveAsync(new byte[8], SocketFlags.None, cancel.Token));
        Assert.False(await wait.WaitAsync());
    }

    [Fact]
    public async Task AClosedSocketsDescriptor_ReusedByTheNextSocket_IsWatchedForTheNewOneOnly()
    {
        var (oldClient, oldServer) = await PairAsync();
        var oldWait = Readiness.Watch(oldServer);
        var oldWaiting = oldWait.WaitAsync().AsTask();
        var fd = oldServer.SafeHandle.DangerousGetHandle();
        oldWait.Close();
        oldServer.Dispose();
        oldClient.Dispose();
        Assert.False(await oldWaiting.WaitAsync(TimeSpan.FromSeconds(5)));

        // The kernel gives the lowest free descriptor: most likely the one just closed.
        var (client, server) = await PairAsync();
        using var _ = client;
        using var __ = server;
        var wait = Readiness.Watch(server);
        var waiting = wait.WaitAsync().AsTask();
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(await oldWait.WaitAsync());
        Assert.True(fd != 0);
        wait.Close();
    }

    [Fact]
    public async Task ManySockets_EachWakesForItsOwnBytesOnly()
    {
        var pairs = new List<(Socket Client, Socket Server, ReadableWait Wait)>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var (client, server) = await PairAsync();
                pairs.Add((client, server, Readiness.Watch(server)));
            }
            var waits = pairs.Select(p => p.Wait.WaitAsync().AsTask()).ToArray();
            for (var i = 0; i < pairs.Count; i += 2) await pairs[i].Client.SendAsync(new byte[] { 1 }, SocketFlags.None);

            for (var i = 0; i < pairs.Count; i += 2) Assert.True(await waits[i].WaitAsync(TimeSpan.FromSeconds(5)));
            await Task.Delay(100);
            for (var i = 1; i < pairs.Count; i += 2) Assert.False(waits[i].IsCompleted, $"socket {i} woke without bytes");
        }
        finally
        {
            foreach (var (client, server, wait) in pairs)
            {
                wait.Close();
                server.Dispose();
                client.Dispose();
            }
        }
    }
}
