using System.Net.WebSockets;
using System.Text;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class GatewayTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<ClientWebSocket> RawSocketAsync()
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(PenguinClient.WebSocketUri(Server.BaseUri), CancellationToken.None);
        return socket;
    }

    private static async Task SendTextAsync(ClientWebSocket socket, string text) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return result.MessageType == WebSocketMessageType.Close ? $"close:{(int?)result.CloseStatus}" : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [Theory]
    [InlineData("{not json", "\"code\":\"bad_json\"")]
    [InlineData("[1,2,3]", "\"code\":\"bad_json\"")]
    [InlineData("{\"op\":\"teleport\",\"id\":7}", "\"code\":\"unknown_op\"")]
    [InlineData("{\"op\":\"auth\",\"id\":8}", "\"code\":\"bad_request\"")]
    [InlineData("{\"id\":11,\"token\":\"no op at all\"}", "\"code\":\"unknown_op\"")]
    [InlineData("{\"Op\":\"ping\",\"id\":12}", "\"code\":\"unknown_op\"")]
    [InlineData("{\"id\":9,\"op\":\"presence.set\",\"status\":\"online\"}", "\"code\":\"not_authenticated\"")]
    [InlineData("{\"op\":\"auth\",\"id\":10,\"token\":\"forged\"}", "\"code\":\"invalid_token\"")]
    public async Task BadFrame_GetsAClearErrorAndTheConnectionSurvives(string frame, string expected)
    {
        using var socket = await RawSocketAsync();

        await SendTextAsync(socket, frame);
        var reply = await ReceiveTextAsync(socket);

        Assert.Contains(expected, reply, StringComparison.Ordinal);
        Assert.Contains("\"messageZh\"", reply, StringComparison.Ordinal);
        await SendTextAsync(socket, "{\"op\":\"ping\",\"id\":42}");
        Assert.Equal("{\"type\":\"pong\",\"re\":42}", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task BadFrame_ReplyEchoesTheRequestId()
    {
        using var socket = await RawSocketAsync();
        await SendTextAsync(socket, "{\"id\":77,\"op\":\"sync\",\"since\":\"yesterday\"}");
        var reply = await ReceiveTextAsync(socket);
        Assert.Contains("\"re\":77", reply, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"bad_request\"", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"op\":\"ping\",\"id\":5}{\"op\":\"ping\"}", "bad_json", "not valid JSON", "不是有效的 JSON")]
    [InlineData("{\"op\":\"sync\",\"id\":6,\"since\":\"abc\"}", "bad_request", "$.since", "$.since 处的值")]
    [InlineData("{\"op\":\"auth\",\"id\":7}", "bad_request", "token", "缺少必填字段 'token'")]
    [InlineData("{\"op\":\"ping\",\"id\":99999999999999999999999}", "bad_request", "$.id", "$.id 处的值")]
    [InlineData("{\"op\":\"auth\",\"id\":8,\"token\":\"\\ud800\"}", "bad_request", "$.token", "$.token 处的值")]
    public async Task UnreadableFrame_IsDescribedInTheClientsTerms_InBothLanguages(string frame, string code, string says, string saysZh)
    {
        using var socket = await RawSocketAsync();

        await SendTextAsync(socket, frame);
        using var reply = System.Text.Json.JsonDocument.Parse(await ReceiveTextAsync(socket));

        var message = reply.RootElement.GetProperty("message").GetString()!;
        var messageZh = reply.RootElement.GetProperty("messageZh").GetString()!;
        Assert.Equal(code, reply.RootElement.GetProperty("code").GetString());
        Assert.Contains(says, message, StringComparison.Ordinal);
        // The serializer's own words and .NET type names are not the client's business, and not Chinese.
        Assert.DoesNotContain("Penguin.", message + messageZh, StringComparison.Ordinal);
        Assert.DoesNotContain("deserializ", message + messageZh, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(saysZh, messageZh, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedFrame_ClosesWithMessageTooBig()
    {
        using var socket = await RawSocketAsync();

        await SendTextAsync(socket, "{\"op\":\"ping\",\"pad\":\"" + new string('x', Limits.MaxFrameBytes) + "\"}");

        Assert.Contains("\"code\":\"frame_too_large\"", await ReceiveTextAsync(socket), StringComparison.Ordinal);
        Assert.Equal("close:1009", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task TextThatIsNotUtf8_ClosesWithInvalidPayloadData()
    {
        using var socket = await RawSocketAsync();

        await socket.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }, WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Contains("\"code\":\"bad_json\"", await ReceiveTextAsync(socket), StringComparison.Ordinal);
        Assert.Equal("close:1007", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task Authenticate_Twice_IsRefused()
    {
        await using var alice = await Server.RegisterAsync("alice");
        var live = await alice.ConnectAsync();

        var error = await Assert.ThrowsAsync<PenguinException>(() => live.RequestAsync<Authenticated>(new Authenticate(alice.Rest.Token!)));

        Assert.Equal("already_authenticated", error.Error.Code);
    }

    [Fact]
    public async Task Resume_AfterBeingOffline_DeliversWhatWasMissedInOrderExactlyOnce()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        var bobLive = await bob.ConnectAsync();
        await alice.Rest.SendFriendRequestAsync(bob.Number, "first");
        var first = await bobLive.WaitForAsync<FriendRequested>();
        var cursor = bobLive.LastSeq;
        await bobLive.CloseAsync();

        // While bob is away: two requests and a change made from another of his devices.
        await carol.Rest.SendFriendRequestAsync(bob.Number, "second");
        await alice.Rest.SendFriendRequestAsync(bob.Number, "first, again");
        await bob.Rest.CreateGroupAsync("新分组");

        var resumed = await bob.ConnectAsync(since: cursor);
        await resumed.PingAsync();
        var missed = resumed.TakeEvents().OfType<DurableEvent>().ToArray();

        Assert.Equal(first.Seq, cursor);
        Assert.Equal(Enumerable.Range(1, 3).Select(i => cursor + i), missed.Select(e => e.Seq));
        Assert.Equal(["second", "first, again"], missed.OfType<FriendRequested>().Select(r => r.Request.Message));
        Assert.IsType<BuddyGroupsChanged>(missed[2]);

        // Sync from an older cursor replays the log again, then reports where it ended.
        var synced = await resumed.SyncAsync(0);
        var replayed = resumed.TakeEvents().OfType<DurableEvent>().Select(e => e.Seq).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)synced.Seq).Select(i => (long)i), replayed);

        // A cursor from the future is not trusted: the server answers with its real head.
        Assert.Equal(synced.Seq, (await resumed.SyncAsync(synced.Seq + 1000)).Seq);
        await alice.Rest.SendFriendRequestAsync(bob.Number, "after a bogus cursor");
        Assert.Equal(synced.Seq + 1, (await resumed.WaitForAsync<FriendRequested>(r => r.Request.Message == "after a bogus cursor")).Seq);
    }

    [Fact]
    public async Task OwnDevices_StayInSync_ChangesFromOneReachTheOthers()
    {
        await using var alice = await Server.RegisterAsync("alice", DeviceKind.Pc);
        var (_, phone) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var (_, web) = await alice.AddDeviceAsync(DeviceKind.Web);

        await alice.Rest.CreateGroupAsync("从电脑创建");
        await alice.Rest.UpdateSettingsAsync(new AccountSettings(AddPolicy.Anyone));

        foreach (var device in new[] { phone, web })
        {
            Assert.Contains((await device.WaitForAsync<BuddyGroupsChanged>()).Groups, g => g.Name == "从电脑创建");
            Assert.Equal(AddPolicy.Anyone, (await device.WaitForAsync<SettingsUpdated>()).Settings.AddPolicy);
        }
        Assert.Equal(phone.LastSeq, web.LastSeq);
    }

    [Fact]
    public async Task SameSession_ConnectingAgain_ReplacesTheOldConnection()
    {
        await using var alice = await Server.RegisterAsync("alice");
        var first = await alice.ConnectAsync();

        var second = await alice.ConnectAsync();

        Assert.Equal("session_replaced", (await first.WaitForAsync<SessionEnded>()).Code);
        await first.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4002, (int?)first.CloseStatus);
        await second.PingAsync();
    }
}
