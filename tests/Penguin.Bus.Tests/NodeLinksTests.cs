using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Penguin.Bus.RabbitMq;

namespace Penguin.Bus.Tests;

/// <summary>The direct streams between nodes, on real loopback sockets: what arrives, in what order, and what is refused.</summary>
public sealed class NodeLinksTests : IAsyncLifetime
{
    private readonly List<NodeLinks> _links = [];
    private readonly Lock _gate = new();
    private readonly List<byte[]> _received = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _accept = true;

    private NodeLinks Start(bool listen = true)
    {
        var links = new NodeLinks(Guid.NewGuid(), Receive, NullLogger.Instance);
        if (listen) links.Listen(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1");
        _links.Add(links);
        return links;
    }

    private bool Receive(ReadOnlyMemory<byte> batch)
    {
        lock (_gate)
        {
            if (!_accept) return false;
            _received.Add(batch.ToArray());
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        return true;
    }

    private List<byte[]> Received()
    {
        lock (_gate) return [.. _received];
    }

    private async Task WaitForAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_received.Count >= count) return;
                changed = _changed.Task;
            }
            await changed.WaitAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task Batches_ArriveWhole_InTheOrderWritten_SmallAndLargerThanTheReadBuffer()
    {
        var b = Start();
        var node = Guid.NewGuid();
        var a = await ConnectedAsync(Start(listen: false), node, b.Advertised!);
        var sent = Enumerable.Range(1, 300).Select(i => Enumerable.Repeat((byte)i, i == 150 ? 200_000 : i).ToArray()).ToList();

        foreach (var batch in sent) Assert.True(await a.TrySendAsync(node, batch));
        await WaitForAsync(sent.Count);

        Assert.Equal(sent, Received());
        Assert.Equal(300, a.FramesSent);
        Assert.Equal(300, b.FramesReceived);
    }

    [Fact]
    public async Task AStreamWithTheWrongToken_IsClosed_AndNothingItSendsIsDelivered()
    {
        var b = Start();
        var node = Guid.NewGuid();
        var a = await ConnectedAsync(Start(listen: false), node, b.Advertised! with { Token = new byte[NodeLinks.TokenSize] });

        // The connection was accepted and then closed by b: the writes fail sooner or later, nothing is handed over.
        for (var i = 0; i < 200 && await a.TrySendAsync(node, [1, 2, 3]); i++) await Task.Delay(10);
        Assert.Equal(0, a.Connected);
        Assert.Empty(Received());
        Assert.Equal(0, b.FramesReceived);
    }

    [Fact]
    public async Task AFrameOfAnImpossibleLength_ClosesTheStream_AndTheGoodFramesBeforeItStayDelivered()
    {
        var b = Start();
        using var raw = await RawConnectAsync(b.Advertised!);
        await raw.SendAsync(Frame([7, 7]));
        var badLength = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(badLength, -5);
        await raw.SendAsync(badLength);
        await raw.SendAsync(Frame([8, 8]));

        Assert.Equal(0, await ReadUntilClosedAsync(raw));
        Assert.Equal([new byte[] { 7, 7 }], Received());
    }

    [Fact]
    public async Task AHalfSentHandshake_IsClosedAfterTheHandshakeTime_AndDeliversNothing()
    {
        var b = Start();
        using var stranger = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await stranger.ConnectAsync(b.Advertised!.EndPoint());
        await stranger.SendAsync("PNL"u8.ToArray()); // and then nothing

        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await ReadUntilClosedAsync(stranger)); // within 10 s
        Assert.True(waited.Elapsed >= TimeSpan.FromSeconds(4), $"closed after {waited.Elapsed}: before the handshake time was up");
        Assert.Empty(Received());
    }

    [Fact]
    public async Task ABatchTheBusCannotRead_ClosesTheStream()
    {
        var b = Start();
        lock (_gate) _accept = false;
        using var raw = await RawConnectAsync(b.Advertised!);
        await raw.SendAsync(Frame([1]));

        Assert.Equal(0, await ReadUntilClosedAsync(raw));
        Assert.Empty(Received());
    }

    [Fact]
    public async Task ALostNode_FailsTheWriteSoTheCallerUsesTheBroker_ThenALinkToItsNewAddressCarriesOn()
    {
        var b = Start();
        var node = Guid.NewGuid();
        var a = await ConnectedAsync(Start(listen: false), node, b.Advertised!);
        Assert.True(await a.TrySendAsync(node, [1]));
        await WaitForAsync(1);

        await b.DisposeAsync(); // the node is gone: its end of the stream is closed
        var failed = false;
        for (var i = 0; i < 200 && !failed; i++)
        {
            failed = !await a.TrySendAsync(node, [2]);
            if (!failed) await Task.Delay(10);
        }
        Assert.True(failed, "Writes to a closed node kept succeeding.");
        Assert.Equal(0, a.Connected);

        var restarted = Start(); // the node came back elsewhere and said so
        await ConnectedAsync(a, node, restarted.Advertised!);
        Assert.True(await a.TrySendAsync(node, [3]));
        await WaitForAsync(2);
        Assert.Equal([1, 3], Received().Select(r => (int)r[0]));
    }

    [Fact]
    public async Task ANodeNeverLearned_HasNoLink_AndAForgottenOneIsClosed()
    {
        var b = Start();
        var a = Start(listen: false);
        Assert.False(await a.TrySendAsync(Guid.NewGuid(), [1]));

        var node = Guid.NewGuid();
        await ConnectedAsync(a, node, b.Advertised!);
        a.Prune(known: n => n != node);
        Assert.Equal(0, a.Connected);
        Assert.False(await a.TrySendAsync(node, [1]));
    }

    [Fact]
    public void ALinkAddress_RoundTrips_AndAnUnusableOneIsRefused()
    {
        var address = new LinkAddress("10.0.0.5:7400", Enumerable.Range(0, NodeLinks.TokenSize).Select(i => (byte)i).ToArray());
        Assert.Equal(address, LinkAddress.Decode(address.Encode()));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 7400), address.EndPoint());
        Assert.Equal(new DnsEndPoint("node-b.internal", 7400), (address with { Host = "node-b.internal:7400" }).EndPoint());
        Assert.Null(LinkAddress.Decode(new byte[NodeLinks.TokenSize])); // a token and no host
        Assert.Throws<ArgumentException>(() => (address with { Host = "no-port" }).EndPoint());

        // It rides in a Hello after the users; a directory message with a torn link is refused.
        var hello = DirectoryMessage.Encode(DirectoryKind.Hello, Guid.NewGuid(), 3, 0, [42, 43], address.Encode());
        Assert.True(DirectoryMessage.TryDecode(hello, out _, out _, out _, out _, out var users, out var link));
        Assert.Equal([42L, 43L], users);
        Assert.Equal(address, LinkAddress.Decode(link));
        Assert.False(DirectoryMessage.TryDecode(hello.AsSpan(0, hello.Length - 1), out _, out _, out _, out _, out _));
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>A connection that says the handshake itself, as a node would.</summary>
    private static async Task<Socket> RawConnectAsync(LinkAddress address)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.EndPoint());
        await socket.SendAsync((byte[])[.. "PNL1"u8.ToArray(), .. address.Token, .. Guid.NewGuid().ToByteArray()]);
        return socket;
    }

    /// <summary>What the other end sends before it closes (it never sends anything): 0 once closed, within 10 s.</summary>
    private static async Task<int> ReadUntilClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
    }

    private static async Task<NodeLinks> ConnectedAsync(NodeLinks from, Guid node, LinkAddress address)
    {
        from.Learn(node, address);
        for (var waited = 0; from.Connected == 0; waited += 10)
        {
            Assert.True(waited < 5_000, "The link did not connect within 5 s.");
            await Task.Delay(10);
        }
        return from;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var links in _links) await links.DisposeAsync();
    }
}
