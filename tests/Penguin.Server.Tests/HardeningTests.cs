using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Penguin.Client;
using Penguin.Core.Accounts;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// What an attacker or a careless client throws at the server — floods, stalls, oversized input, odd text —
/// each on its own real server where the test needs its own limits.
/// </summary>
public sealed class HardeningTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Key = RawHttp.SampleKey;

    private static string Handshake(string target = "/ws?v=1") =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n";

    private static async Task<TcpClient> TcpAsync(TestServer server, int? receiveBuffer = null)
    {
        var client = new TcpClient();
        if (receiveBuffer is { } size) client.ReceiveBufferSize = size;
        await client.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        return client;
    }

    /// <summary>True when the server closed the socket (end of stream or reset) before <paramref name="within"/>.</summary>
    private static async Task<bool> ClosedByServerAsync(TcpClient client, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0) { }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<WebSocket> UpgradeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream), StringComparison.Ordinal);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
    }

    /// <summary>The upgraded socket, or null when the server closed the connection instead of answering 101.</summary>
    private static async Task<WebSocket?> TryUpgradeAsync(TcpClient client)
    {
        try
        {
            return await UpgradeAsync(client);
        }
        catch (Exception e) when (e is IOException or Xunit.Sdk.XunitException or InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return result.MessageType == WebSocketMessageType.Close ? $"close:{(int?)result.CloseStatus}" : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    /// <summary>Polls a metric until it has <paramref name="value"/>; false if it never does within 30 s.</summary>
    private static async Task<bool> MetricReachesAsync(TestServer server, string name, double value)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await server.MetricAsync(name) == value) return true;
            await Task.Delay(100);
        }
        return false;
    }

    [Fact]
    public async Task NonReadingClient_ResumingALargeLog_IsDroppedAsASlowConsumer()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.SlowConsumerTimeout = TimeSpan.FromSeconds(1);
            o.HeartbeatTimeout = TimeSpan.FromMinutes(10); // only the slow-consumer rule may drop it
            o.Messaging.SendsPerSecond = 100_000;
        });
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();
        // ~6 MB of history: more than the kernel's socket buffers on both sides hold.
        var text = new string('x', 4000);
        for (var i = 0; i < 1500; i++) await aliceLive.SendTextAsync(bob.Number, text);
        await aliceLive.CloseAsync();
        Assert.True(await MetricReachesAsync(server, "penguin_connections_open", 0));

        using var tcp = await TcpAsync(server, receiveBuffer: 4096);
        var socket = await UpgradeAsync(tcp);
        await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"op\":\"auth\",\"id\":1,\"token\":\"{bob.Rest.Token}\",\"since\":0}}"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.True(await MetricReachesAsync(server, "penguin_sessions_online", 1));

        // It never reads: its writes block, and after the slow-consumer timeout the server lets it go.
        Assert.True(await MetricReachesAsync(server, "penguin_connections_open", 0));
        Assert.Equal(0, await server.MetricAsync("penguin_sessions_online"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("GET /ws?v=1 HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /api/v1/avatars HTTP/1.1\r\nHost: x\r\n")]
    public async Task UnfinishedHandshake_IsClosedAfterTheHandshakeTimeout(string sent)
    {
        await using var server = await TestServer.StartAsync(o => o.HandshakeTimeout = TimeSpan.FromSeconds(1));
        using var tcp = await TcpAsync(server);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(sent));

        Assert.True(await ClosedByServerAsync(tcp, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task GatewayFull_NewUpgradeGets503_WhileHealthAndExistingUsersAreServed()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxWebSockets = 2);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        using var tcp = await TcpAsync(server);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Handshake()));
        var head = await RawHttp.ReadHeadAsync(tcp.GetStream());
        var body = new byte[1024];
        var read = await tcp.GetStream().ReadAsync(body);

        Assert.StartsWith("HTTP/1.1 503 ", head, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"unavailable\"", Encoding.UTF8.GetString(body, 0, read), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
        await aliceLive.SendTextAsync(bob.Number, "still here");
        Assert.Equal("still here", (await bobLive.WaitForAsync<MessageReceived>()).Message.Text);

        // A place freed is a place for the next device.
        await bobLive.CloseAsync();
        Assert.True(await MetricReachesAsync(server, "penguin_connections_open", 1));
        var again = await bob.ConnectAsync();
        await again.PingAsync();
    }

    [Fact]
    public async Task PerAddressCap_ClosesConnectionsBeyondIt_AndFreesThePlaceOnClose()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.MaxConnectionsPerAddress = 2;
            o.LimitLoopback = true;
        });
        using var first = await TcpAsync(server);
        using var second = await TcpAsync(server);
        using var third = await TcpAsync(server);

        // Kestrel runs each accepted connection's middleware on the thread pool, so which of the three is counted
        // last is not fixed: exactly one is closed, the other two are served.
        var upgrades = await Task.WhenAll(new[] { first, second, third }.Select(TryUpgradeAsync));
        Assert.Single(upgrades, u => u is null);
        var served = upgrades.OfType<WebSocket>().ToArray();
        Assert.Equal(2, served.Length);
        await served[0].SendAsync("{\"op\":\"ping\",\"id\":3}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("{\"type\":\"pong\",\"re\":3}", await ReceiveTextAsync(served[0]));

        served[1].Abort(); // closes its stream and so its socket: a place is free
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var next = await TcpAsync(server); // refused (even reset) while the server has not seen the close
                await UpgradeAsync(next);
                break;
            }
            catch (Exception) when (attempt < 50)
            {
                await Task.Delay(100); // the server may not have seen the close yet
            }
        }
    }

    [Fact]
    public async Task Stop_ClosesEveryWebSocketWithGoingAway()
    {
        var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        var live = await alice.ConnectAsync();
        using var raw = new ClientWebSocket();
        await raw.ConnectAsync(PenguinClient.WebSocketUri(server.BaseUri), CancellationToken.None);

        var stopping = server.DisposeAsync().AsTask();

        Assert.Equal("close:1001", await ReceiveTextAsync(raw));
        await live.Completion.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1001, (int?)live.CloseStatus);
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task ParallelWrongPasswords_FromOneAddress_GetExactlyTheLimitOfVerdicts()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Accounts.PasswordIterations = 20_000; // a slower hash widens the window a race would need
            o.Accounts.LoginFailuresPerAccount = 5;
        });
        await using var alice = await server.RegisterAsync("alice");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var client = server.NewClient();
            try
            {
                await client.LoginAsync(alice.Number, "wrong password!", DeviceKind.Pc);
                return "ok";
            }
            catch (PenguinException e)
            {
                return e.Error.Code;
            }
        }));

        Assert.Equal(5, outcomes.Count(o => o == "auth_failed"));
        Assert.Equal(35, outcomes.Count(o => o == "throttled"));
    }

    [Fact]
    public async Task ParallelWrongPasswords_ToManyAccounts_FromOneAddress_MeetTheRealPerAddressLimit()
    {
        var limit = new AccountOptions().LoginFailuresPerAddress; // the shipped setting, not the test server's lifted one
        await using var server = await TestServer.StartAsync(o => o.Accounts.LoginFailuresPerAddress = limit);
        // Three wrong guesses per account stay under the per-account limit and delay: only the address rule is in play.
        var accounts = new List<User>();
        for (var i = 0; i < limit / 3 + 4; i++) accounts.Add(await server.RegisterAsync("user" + i));
        try
        {
            var attempts = accounts.SelectMany(a => Enumerable.Repeat(a.Number, 3)).ToList();
            var outcomes = await Task.WhenAll(attempts.Select(async number =>
            {
                using var client = server.NewClient();
                try
                {
                    await client.LoginAsync(number, "wrong password!", DeviceKind.Pc);
                    return "ok";
                }
                catch (PenguinException e)
                {
                    return e.Error.Code;
                }
            }));

            Assert.Equal(limit, outcomes.Count(o => o == "auth_failed"));
            Assert.Equal(attempts.Count - limit, outcomes.Count(o => o == "throttled"));
            // Not cleared by success, and the right password from that address is refused too.
            using var owner = server.NewClient();
            var refused = await Assert.ThrowsAsync<PenguinException>(() => owner.LoginAsync(accounts[0].Number, User.Password, DeviceKind.Mobile));
            Assert.Equal("throttled", refused.Error.Code);
        }
        finally
        {
            foreach (var account in accounts) await account.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("api/v1/users?q=%00")]
    [InlineData("api/v1/users?q=a%07b")]
    [InlineData("api/v1/messages?q=ab%00cd")]
    [InlineData("api/v1/messages?q=%1B%5B31m")]
    public async Task SearchText_WithControlCharacters_IsInvalidField(string path)
    {
        await using var alice = await fixture.Server.RegisterAsync("alice");
        await using var bob = await fixture.Server.RegisterAsync("bob"); // someone a match-everything bug would return
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice.Rest.Token);

        var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"invalid_field\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedRestBody_GetsTheDocumentedJson413()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        var body = "{\"nickname\":\"" + new string('x', Limits.MaxRequestBodyBytes + 10) + "\",\"password\":\"12345678\"}";

        var response = await http.PostAsync(new Uri("api/v1/accounts", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("\"code\":\"frame_too_large\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A JSON "\ud800" escape would decode to a lone surrogate, which is not text (stored, it would come back as U+FFFD,
    /// so a retry of the acknowledged message would no longer match it). The JSON layer refuses it on every path, and
    /// the domain's text rules refuse it too (AccountRulesTests).
    /// </summary>
    [Fact]
    public async Task LoneSurrogate_InAnyText_IsRefused_AndNothingIsStored()
    {
        await using var alice = await fixture.Server.RegisterAsync("alice");
        await using var bob = await fixture.Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var live = await alice.ConnectAsync();
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice.Rest.Token);
        static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        await live.SendRawAsync(Encoding.UTF8.GetBytes($"{{\"op\":\"msg.send\",\"id\":71,\"to\":{bob.Number},\"text\":\"a\\ud800b\",\"clientId\":\"lone\"}}"));
        var reply = await live.WaitForAsync<ErrorReply>(e => e.Re == 71);
        using var register = await http.PostAsync(new Uri("api/v1/accounts", UriKind.Relative), Json("{\"nickname\":\"x\\udc00\",\"password\":\"12345678\"}"));
        using var profile = await http.PatchAsync(new Uri("api/v1/me/profile", UriKind.Relative), Json("{\"signature\":\"\\ud83d\"}"));
        using var search = await http.GetAsync(new Uri("api/v1/messages?q=ab%ED%A0%80", UriKind.Relative)); // invalid UTF-8 decodes to U+FFFD: fine

        Assert.Contains(reply.Code, (string[])["bad_request", "invalid_message"]); // the frame parser refuses it already
        Assert.Empty((await alice.Rest.GetHistoryAsync(bob.Number)).Messages);
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        Assert.Contains("\"code\":\"bad_request\"", await register.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, profile.StatusCode);
        Assert.Null((await alice.Rest.GetMeAsync()).Profile.Signature);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        await live.SendTextAsync(bob.Number, "a😀b", clientId: "pair"); // a proper pair is text
    }

    /// <summary>A body the serializer refuses is answered in the client's terms: the field it lacks or the JSON path that is wrong, never .NET type names.</summary>
    [Theory]
    [InlineData("{\"message\":\"hi\"}", "missing required field(s) 'to'", "缺少必填字段 'to'")]
    [InlineData("{\"to\":\"ten\"}", "the value at $.to", "$.to 处的值")]
    [InlineData("{\"to\":99999999999999999999999}", "the value at $.to", "$.to 处的值")]
    public async Task BodyTheSerializerRefuses_NamesTheField_NotTheType(string body, string english, string chinese)
    {
        await using var alice = await fixture.Server.RegisterAsync("alice");
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice.Rest.Token);

        using var response = await http.PostAsync(new Uri("api/v1/friend-requests", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"bad_request\"", text, StringComparison.Ordinal);
        Assert.Contains(english, text, StringComparison.Ordinal);
        Assert.Contains(chinese, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Penguin.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.Empty((await alice.Rest.GetFriendRequestsAsync()).Outgoing);
    }

    [Theory]
    [InlineData("GET", "api/v1/users/99999999999999999999", HttpStatusCode.NotFound, "not_found")] // beyond int64: no route matches
    [InlineData("GET", "api/v1/nothing", HttpStatusCode.NotFound, "not_found")]
    [InlineData("GET", "api/v2/me", HttpStatusCode.NotFound, "not_found")]
    [InlineData("PUT", "api/v1/me", HttpStatusCode.MethodNotAllowed, "bad_request")]
    [InlineData("GET", "api/v1/sessions/-1", HttpStatusCode.MethodNotAllowed, "bad_request")]
    public async Task UnmatchedApiRequest_GetsTheDocumentedJson_NotAnEmptyBody(string method, string path, HttpStatusCode status, string code)
    {
        await using var alice = await fixture.Server.RegisterAsync("alice");
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice.Rest.Token);

        using var response = await http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"\"code\":\"{code}\"", body, StringComparison.Ordinal);
        Assert.Contains("\"messageZh\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenMegabyteFrame_GetsFrameTooLargeAnd1009_NotAReset()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(PenguinClient.WebSocketUri(fixture.Server.BaseUri), CancellationToken.None);
        var frame = Encoding.ASCII.GetBytes("{\"op\":\"ping\",\"pad\":\"" + new string('x', 10 * 1024 * 1024) + "\"}");

        await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Contains("\"code\":\"frame_too_large\"", await ReceiveTextAsync(socket), StringComparison.Ordinal);
        Assert.Equal("close:1009", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task GuessesFromManyAttempts_DelayButNeverLockOutTheOwner()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Accounts.LoginFailuresPerAccount = 1_000; // only the across-addresses rule in play
            o.Accounts.LoginFailuresBeforeDelay = 2;
            o.Accounts.LoginDelayMax = TimeSpan.FromMilliseconds(300);
        });
        await using var alice = await server.RegisterAsync("alice");
        var live = await alice.ConnectAsync();

        for (var i = 0; i < 8; i++)
        {
            using var attacker = server.NewClient();
            Assert.Equal("auth_failed", (await Assert.ThrowsAsync<PenguinException>(() => attacker.LoginAsync(alice.Number, "guess number " + i, DeviceKind.Pc))).Error.Code);
        }

        using var owner = server.NewClient();
        await owner.LoginAsync(alice.Number, User.Password, DeviceKind.Mobile); // delayed, never refused
        await live.PingAsync(); // a device holding a token is not touched
        await alice.Rest.GetMeAsync();
    }

    [Fact]
    public async Task SessionsBeyondTheCap_EndTheLeastRecentlySeen()
    {
        await using var server = await TestServer.StartAsync(o => o.Accounts.MaxSessionsPerAccount = 3);
        await using var alice = await server.RegisterAsync("alice");
        var oldest = alice.Rest;
        var clients = new List<PenguinClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = server.NewClient();
            await client.LoginAsync(alice.Number, User.Password, DeviceKind.Web);
            clients.Add(client);
        }

        Assert.Equal(3, (await clients[^1].GetSessionsAsync()).Sessions.Length);
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => oldest.GetMeAsync())).Error.Code);
        await clients[0].GetMeAsync();
        foreach (var client in clients) client.Dispose();
    }

    [Theory]
    [InlineData("\u200B\u200B")] // zero-width spaces
    [InlineData("\u3164")] // Hangul filler
    [InlineData("\u00AD\u00AD")] // soft hyphens
    [InlineData("\u2800 \u2800")] // braille blanks
    public async Task Nickname_OfOnlyInvisibleCharacters_IsRefused(string nickname)
    {
        using var client = fixture.Server.NewClient();
        var error = await Assert.ThrowsAsync<PenguinException>(() => client.RegisterAsync(nickname, User.Password));
        Assert.Equal("invalid_nickname", error.Error.Code);
    }

    [Fact]
    public async Task DisplayText_WithPiledUpCombiningMarks_IsRefused_ButVietnameseIsFine()
    {
        await using var alice = await fixture.Server.RegisterAsync("Nguyễn Thị Ánh");
        var zalgo = "a" + new string('\u0301', 10_000);

        Assert.Equal("invalid_nickname", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Nickname: "a" + new string('\u0301', 9))))).Error.Code);
        Assert.Equal("invalid_field", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.UpdateProfileAsync(new UpdateProfileRequest(Signature: "hi " + zalgo[..20])))).Error.Code);
        Assert.Equal("Nguyễn Thị Ánh", (await alice.Rest.GetMeAsync()).Profile.Nickname);
    }
}
