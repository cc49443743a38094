using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>The wallet over real HTTP and WebSocket on the real server: transfers between friends, the payment password, Q-coins, every refusal.</summary>
public sealed class WalletTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Pay = "246810";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private TestServer Server => fixture.Server;

    private static HttpClient Http(TestServer server, User user)
    {
        var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        return http;
    }

    private static async Task<HttpResponseMessage> PostAsync<T>(HttpClient http, string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, type) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> TransferAsync(HttpClient http, long to, long amount, string? key = null, string pay = Pay, string? memo = "午饭") =>
        PostAsync(http, "api/v1/wallet/transfers", new CreateTransferRequest(to, amount, pay, memo), Json.CreateTransferRequest, key ?? NewKey());

    private static string NewKey() => Guid.NewGuid().ToString("N");

    private static async Task<Error> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync(Json.ErrorResponse))!.Error;
        Assert.False(string.IsNullOrEmpty(error.Message));
        Assert.False(string.IsNullOrEmpty(error.MessageZh));
        return error;
    }

    private static async Task<WalletBalance> BalanceAsync(HttpClient http) => (await http.GetFromJsonAsync("api/v1/wallet", Json.WalletBalance))!;

    private static async Task SetPayPasswordAsync(HttpClient http)
    {
        using var response = await http.PutAsJsonAsync("api/v1/wallet/pay-password", new SetPayPasswordRequest(Pay, LoginPassword: User.Password), Json.SetPayPasswordRequest);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task DepositAsync(TestServer server, User user, long fen) =>
        Assert.True((await server.Services.GetRequiredService<WalletService>().DepositAsync(user.Number, fen, NewKey())).IsOk);

    /// <summary>Alice (with money and a payment password) and Bob, friends.</summary>
    private static async Task<(User Alice, User Bob, HttpClient A, HttpClient B)> FriendsAsync(TestServer server, long fen = 100_000)
    {
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var (a, b) = (Http(server, alice), Http(server, bob));
        await SetPayPasswordAsync(a);
        await SetPayPasswordAsync(b);
        await DepositAsync(server, alice, fen);
        return (alice, bob, a, b);
    }

    [Fact]
    public async Task Balance_NewUser_IsZeroWithoutPayPassword()
    {
        await using var carol = await Server.RegisterAsync("carol");
        using var http = Http(Server, carol);

        var balance = await BalanceAsync(http);

        Assert.Equal(new WalletBalance(0, 0, 100, 20_000_000, 0, false), balance);
        using var anonymous = new HttpClient { BaseAddress = Server.BaseUri };
        await ErrorAsync(await anonymous.GetAsync("api/v1/wallet"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Transfer_ToAFriend_HeldUntilAccepted_BothSeeItLive()
    {
        var (alice, bob, a, b) = await FriendsAsync(Server);
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        using var sent = await TransferAsync(a, bob.Number, 5_200);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var transfer = (await sent.Content.ReadFromJsonAsync(Json.WalletTransfer))!;

        Assert.Equal(("pending", 5_200L, "午饭"), (transfer.Status, transfer.Amount, transfer.Memo));
        Assert.Equal(transfer.Id, (await bobLive.WaitForAsync<WalletTransferUpdated>(e => e.Transfer.Status == "pending")).Transfer.Id);
        await aliceLive.WaitForAsync<WalletTransferUpdated>(e => e.Transfer.Id == transfer.Id);
        Assert.Equal(94_800, (await BalanceAsync(a)).Cny);
        Assert.Equal(0, (await BalanceAsync(b)).Cny);
        Assert.Contains((await b.GetFromJsonAsync("api/v1/wallet/transfers", Json.WalletTransferList))!.Transfers, t => t.Id == transfer.Id);

        using var accepted = await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using var again = await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // a retried accept replays

        Assert.Equal(5_200, (await BalanceAsync(b)).Cny);
        Assert.Equal(94_800, (await BalanceAsync(a)).Cny);
        await aliceLive.WaitForAsync<WalletTransferUpdated>(e => e.Transfer.Status == "accepted");
        var history = (await b.GetFromJsonAsync("api/v1/wallet/history", Json.WalletHistoryPage))!;
        var movement = Assert.Single(history.Items);
        Assert.Equal(("transfer_accept", "cny", 5_200L, 5_200L), (movement.Kind, movement.Currency, movement.Amount, movement.BalanceAfter));
        await ErrorAsync(await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/return", null), HttpStatusCode.Conflict);
        Assert.True((await Server.Services.GetRequiredService<WalletService>().AuditAsync()).IsClean);
    }

    [Fact]
    public async Task Transfer_WithoutAMemo_ReadsBackInAStrictClient()
    {
        var (alice, bob, a, b) = await FriendsAsync(Server);
        await using var _ = alice;
        await using var __ = bob;
        using var sent = await TransferAsync(a, bob.Number, 500, memo: null);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);

        var transfer = (await sent.Content.ReadFromJsonAsync(Json.WalletTransfer))!;
        Assert.Null(transfer.Memo);
        Assert.Equal("pending", transfer.Status);
    }

    [Fact]
    public async Task Transfer_Refused_ReturnsToTheSender()
    {
        var (alice, bob, a, b) = await FriendsAsync(Server);
        await using var _ = alice;
        await using var __ = bob;
        using var sent = await TransferAsync(a, bob.Number, 1_000);
        var transfer = (await sent.Content.ReadFromJsonAsync(Json.WalletTransfer))!;

        using var returned = await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/return", null);

        Assert.Equal("returned", (await returned.Content.ReadFromJsonAsync(Json.WalletTransfer))!.Status);
        Assert.Equal(100_000, (await BalanceAsync(a)).Cny);
        Assert.Equal(0, (await BalanceAsync(b)).Cny);
    }

    [Fact]
    public async Task Transfer_ToAStranger_NotFriends_MovesNothing()
    {
        var (alice, bob, a, _) = await FriendsAsync(Server);
        await using var __ = alice;
        await using var ___ = bob;
        await using var stranger = await Server.RegisterAsync("stranger");

        Assert.Equal("not_friends", (await ErrorAsync(await TransferAsync(a, stranger.Number, 100), HttpStatusCode.NotFound)).Code);
        Assert.Equal("bad_request", (await ErrorAsync(await TransferAsync(a, alice.Number, 100), HttpStatusCode.BadRequest)).Code);

        Assert.Equal(100_000, (await BalanceAsync(a)).Cny);
    }

    [Fact]
    public async Task Transfer_SameKey_OnceOnly_DifferentRequestConflicts()
    {
        var (alice, bob, a, _) = await FriendsAsync(Server);
        await using var __ = alice;
        await using var ___ = bob;
        var key = NewKey();

        using var first = await TransferAsync(a, bob.Number, 300, key);
        using var retry = await TransferAsync(a, bob.Number, 300, key);
        var conflict = await ErrorAsync(await TransferAsync(a, bob.Number, 301, key), HttpStatusCode.Conflict);

        Assert.Equal((await first.Content.ReadFromJsonAsync(Json.WalletTransfer))!.Id, (await retry.Content.ReadFromJsonAsync(Json.WalletTransfer))!.Id);
        Assert.Equal("idempotency_conflict", conflict.Code);
        Assert.Equal(99_700, (await BalanceAsync(a)).Cny);
    }

    [Fact]
    public async Task Transfer_BadAmounts_AreClear400s_AndMoveNothing()
    {
        var (alice, bob, a, _) = await FriendsAsync(Server);
        await using var __ = alice;
        await using var ___ = bob;

        Assert.Equal("invalid_amount", (await ErrorAsync(await TransferAsync(a, bob.Number, 0), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("invalid_amount", (await ErrorAsync(await TransferAsync(a, bob.Number, -500), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("invalid_amount", (await ErrorAsync(await TransferAsync(a, bob.Number, 5_000_001), HttpStatusCode.BadRequest)).Code);
        using var overflow = new StringContent($$"""{"to":{{bob.Number}},"amount":99999999999999999999,"payPassword":"{{Pay}}"}""", Encoding.UTF8, "application/json");
        using var overflowRequest = new HttpRequestMessage(HttpMethod.Post, "api/v1/wallet/transfers") { Content = overflow };
        overflowRequest.Headers.Add("Idempotency-Key", NewKey());
        var error = await ErrorAsync(await a.SendAsync(overflowRequest), HttpStatusCode.BadRequest);
        Assert.Contains("amount", error.Message, StringComparison.Ordinal);
        Assert.Equal("idempotency_key_required", (await ErrorAsync(await PostAsync(a, "api/v1/wallet/transfers",
            new CreateTransferRequest(bob.Number, 100, Pay), Json.CreateTransferRequest, null), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("insufficient_funds", (await ErrorAsync(await TransferAsync(a, bob.Number, 100_001), HttpStatusCode.Conflict)).Code);

        Assert.Equal(100_000, (await BalanceAsync(a)).Cny);
        Assert.Empty((await a.GetFromJsonAsync("api/v1/wallet/transfers", Json.WalletTransferList))!.Transfers);
    }

    [Fact]
    public async Task Transfer_OthersCannotSeeOrTakeIt()
    {
        var (alice, bob, a, _) = await FriendsAsync(Server);
        await using var __ = alice;
        await using var ___ = bob;
        await using var carol = await Server.RegisterAsync("carol");
        using var c = Http(Server, carol);
        var transfer = (await (await TransferAsync(a, bob.Number, 700)).Content.ReadFromJsonAsync(Json.WalletTransfer))!;

        await ErrorAsync(await c.GetAsync($"api/v1/wallet/transfers/{transfer.Id}"), HttpStatusCode.NotFound);
        await ErrorAsync(await c.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null), HttpStatusCode.NotFound);
        await ErrorAsync(await c.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/return", null), HttpStatusCode.NotFound);
        await ErrorAsync(await a.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null), HttpStatusCode.NotFound); // the sender cannot take it back as its receiver

        Assert.Empty((await c.GetFromJsonAsync("api/v1/wallet/history", Json.WalletHistoryPage))!.Items);
        Assert.Empty((await c.GetFromJsonAsync("api/v1/wallet/transfers", Json.WalletTransferList))!.Transfers);
        Assert.Equal(0, (await BalanceAsync(c)).Cny);
        Assert.Equal("pending", (await a.GetFromJsonAsync($"api/v1/wallet/transfers/{transfer.Id}", Json.WalletTransfer))!.Status);
    }

    [Fact]
    public async Task PayPassword_FirstNeedsTheLoginPassword_ThenTheCurrentOne()
    {
        await using var dave = await Server.RegisterAsync("dave");
        using var http = Http(Server, dave);

        Assert.Equal("invalid_pay_password", (await ErrorAsync(await http.PutAsJsonAsync("api/v1/wallet/pay-password",
            new SetPayPasswordRequest("12345a", LoginPassword: User.Password), Json.SetPayPasswordRequest), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("wrong_password", (await ErrorAsync(await http.PutAsJsonAsync("api/v1/wallet/pay-password",
            new SetPayPasswordRequest(Pay, LoginPassword: "not it"), Json.SetPayPasswordRequest), HttpStatusCode.Forbidden)).Code);
        Assert.False((await BalanceAsync(http)).PayPasswordSet);
        await SetPayPasswordAsync(http);
        Assert.Equal("wrong_pay_password", (await ErrorAsync(await http.PutAsJsonAsync("api/v1/wallet/pay-password",
            new SetPayPasswordRequest("135790", LoginPassword: User.Password), Json.SetPayPasswordRequest), HttpStatusCode.Forbidden)).Code);
        using var changed = await http.PutAsJsonAsync("api/v1/wallet/pay-password", new SetPayPasswordRequest("135790", CurrentPayPassword: Pay), Json.SetPayPasswordRequest);

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.True((await BalanceAsync(http)).PayPasswordSet);
    }

    [Fact]
    public async Task PayPassword_WrongTooOften_LocksTheWallet_UntilTheLockoutEnds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromHours(1), clock);
        var (alice, bob, a, _) = await FriendsAsync(server);
        await using var __ = alice;
        await using var ___ = bob;

        for (var i = 0; i < 4; i++)
            Assert.Equal("wrong_pay_password", (await ErrorAsync(await TransferAsync(a, bob.Number, 100, pay: "000000"), HttpStatusCode.Forbidden)).Code);
        Assert.Equal("pay_password_locked", (await ErrorAsync(await TransferAsync(a, bob.Number, 100, pay: "000000"), (HttpStatusCode)423)).Code);
        Assert.Equal("pay_password_locked", (await ErrorAsync(await TransferAsync(a, bob.Number, 100), (HttpStatusCode)423)).Code);
        Assert.Equal(100_000, (await BalanceAsync(a)).Cny);

        clock.Advance(TimeSpan.FromHours(3) + TimeSpan.FromSeconds(1));

        using var sent = await TransferAsync(a, bob.Number, 100);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
    }

    [Fact]
    public async Task Transfer_NotAcceptedIn24Hours_ReturnsToTheSender()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromHours(1), clock);
        var (alice, bob, a, b) = await FriendsAsync(server);
        await using var __ = alice;
        await using var ___ = bob;
        var transfer = (await (await TransferAsync(a, bob.Number, 2_500)).Content.ReadFromJsonAsync(Json.WalletTransfer))!;

        clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal("pending", (await a.GetFromJsonAsync($"api/v1/wallet/transfers/{transfer.Id}", Json.WalletTransfer))!.Status);
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        // The sweeper runs on its own after the clock moved: wait for its outcome, then check it whole.
        WalletTransfer returned;
        for (var polls = 0; (returned = (await a.GetFromJsonAsync($"api/v1/wallet/transfers/{transfer.Id}", Json.WalletTransfer))!).Status == "pending" && polls < 200; polls++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal("returned", returned.Status);
        Assert.NotNull(returned.SettledAt);
        // Both hear of it by sync, whether or not they were connected when it happened.
        var aliceLive = await alice.ConnectAsync(since: 0);
        await aliceLive.WaitForAsync<WalletTransferUpdated>(e => e.Transfer.Id == transfer.Id && e.Transfer.Status == "returned");
        Assert.Equal(100_000, (await BalanceAsync(a)).Cny);
        Assert.Equal("transfer_closed", (await ErrorAsync(await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null), HttpStatusCode.Conflict)).Code);
        Assert.Equal(0, (await BalanceAsync(b)).Cny);
    }

    [Fact]
    public async Task BuyQCoins_AtTheConfiguredPrice_WithinTheDailyLimit()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Wallet.FenPerQCoin = 70;
            o.Wallet.MaxAmount = 10_000;
            o.Wallet.DailyLimit = 10_000;
        });
        var (alice, bob, a, _) = await FriendsAsync(server);
        await using var __ = alice;
        await using var ___ = bob;

        using var bought = await PostAsync(a, "api/v1/wallet/qcoins", new BuyQCoinsRequest(100, Pay), Json.BuyQCoinsRequest, NewKey());
        var receipt = (await bought.Content.ReadFromJsonAsync(Json.WalletReceipt))!;

        Assert.Equal((100_000L - 7_000, 100L, 7_000L), (receipt.Balance.Cny, receipt.Balance.QCoins, receipt.Balance.SpentToday));
        Assert.Equal("daily_limit_exceeded", (await ErrorAsync(await TransferAsync(a, bob.Number, 3_001), HttpStatusCode.Forbidden)).Code);
        Assert.Equal("invalid_amount", (await ErrorAsync(await PostAsync(a, "api/v1/wallet/qcoins", new BuyQCoinsRequest(0, Pay), Json.BuyQCoinsRequest, NewKey()), HttpStatusCode.BadRequest)).Code);
        using var rest = await TransferAsync(a, bob.Number, 3_000);
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal(10_000, (await BalanceAsync(a)).SpentToday);
    }

    [Fact]
    public async Task BuyQCoins_RetriedWithTheSameKey_ChargesOnce_BadCountsRefused()
    {
        var (alice, bob, a, _) = await FriendsAsync(Server);
        await using var __ = alice;
        await using var ___ = bob;
        var key = NewKey();

        var receipts = new List<WalletReceipt>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            using var bought = await PostAsync(a, "api/v1/wallet/qcoins", new BuyQCoinsRequest(5, Pay), Json.BuyQCoinsRequest, key);
            Assert.Equal(HttpStatusCode.OK, bought.StatusCode);
            receipts.Add((await bought.Content.ReadFromJsonAsync(Json.WalletReceipt))!);
        }

        Assert.Equal([false, true, true], receipts.Select(r => r.Replayed));
        Assert.Single(receipts.Select(r => r.TransactionId).Distinct());
        Assert.Equal("idempotency_conflict", (await ErrorAsync(await PostAsync(a, "api/v1/wallet/qcoins", new BuyQCoinsRequest(6, Pay), Json.BuyQCoinsRequest, key), HttpStatusCode.Conflict)).Code);
        foreach (var count in new[] { 0L, -1L, long.MaxValue, 5_000_000 / 100 + 1 })
            Assert.Equal("invalid_amount", (await ErrorAsync(await PostAsync(a, "api/v1/wallet/qcoins", new BuyQCoinsRequest(count, Pay), Json.BuyQCoinsRequest, NewKey()), HttpStatusCode.BadRequest)).Code);
        var balance = await BalanceAsync(a);
        Assert.Equal((100_000L - 500, 5L), (balance.Cny, balance.QCoins));
    }

    [Fact]
    public async Task AdminWalletReconcile_AfterTransfers_ProvesTheLedger()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, bob, a, b) = await FriendsAsync(server);
        await using var __ = alice;
        await using var ___ = bob;
        var transfer = (await (await TransferAsync(a, bob.Number, 4_200)).Content.ReadFromJsonAsync(Json.WalletTransfer))!;
        (await b.PostAsync($"api/v1/wallet/transfers/{transfer.Id}/accept", null)).Dispose();
        (await TransferAsync(a, bob.Number, 800)).Dispose();

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Penguin.Server.Admin.AdminCommand.RunAsync(
            [$"--Penguin:DataDirectory={server.DataDirectory}", "--Penguin:Accounts:PasswordIterations=1000", "wallet-reconcile"], output, error);

        Assert.Equal(0, code);
        Assert.Contains("transactions\t4", output.ToString(), StringComparison.Ordinal); // the deposit, two holds, one accept
        Assert.Contains("total cny\t0", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("The ledger reconciles.", output.ToString(), StringComparison.Ordinal);
    }
}
