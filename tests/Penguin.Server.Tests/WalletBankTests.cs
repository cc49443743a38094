using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Top-up and withdrawal through penguin-bank over real sockets: every outcome of a real integration (declined,
/// no answer, callbacks twice or never, forged callbacks), each settling exactly once.
/// </summary>
public sealed class WalletBankTests(BankFixture fixture) : IClassFixture<BankFixture>
{
    private const string Pay = "135790";
    private const string Card = "6222020000001111";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private TestServer Server => fixture.Server;

    private WalletBankService Service => Server.Services.GetRequiredService<WalletBankService>();

    private static string NewKey() => Guid.NewGuid().ToString("N");

    private static string CardEnding(string last4) => "622202000000" + last4;

    private HttpClient Http(User user)
    {
        var http = new HttpClient { BaseAddress = Server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Rest.Token);
        return http;
    }

    private static async Task<HttpResponseMessage> PostAsync<T>(HttpClient http, string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, type) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    private static async Task<(HttpStatusCode Status, WalletBankPayment Payment)> TopUpAsync(HttpClient http, long amount, string card = Card, string? key = null)
    {
        using var response = await PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(amount, card), Json.TopUpRequest, key ?? NewKey());
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync(Json.WalletBankPayment))!);
    }

    private static async Task<(HttpStatusCode Status, WalletBankPayment Payment)> WithdrawAsync(HttpClient http, long amount, string card = Card, string? key = null)
    {
        using var response = await PostAsync(http, "api/v1/wallet/withdrawals", new WithdrawRequest(amount, card, Pay), Json.WithdrawRequest, key ?? NewKey());
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync(Json.WalletBankPayment))!);
    }

    private static async Task<Error> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync(Json.ErrorResponse))!.Error;
        Assert.False(string.IsNullOrEmpty(error.MessageZh));
        return error;
    }

    private static async Task<long> CnyAsync(HttpClient http) => (await http.GetFromJsonAsync("api/v1/wallet", Json.WalletBalance))!.Cny;

    private static async Task<WalletBankPayment> PaymentAsync(HttpClient http, string id) =>
        (await http.GetFromJsonAsync($"api/v1/wallet/bank-payments/{id}", Json.WalletBankPayment))!;

    /// <summary>Until the payment is no longer pending (a callback or the poller settles it; nothing else moves it).</summary>
    private static async Task<WalletBankPayment> SettledAsync(HttpClient http, string id)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (true)
        {
            var payment = await PaymentAsync(http, id);
            if (payment.Status != "pending") return payment;
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"{id} stayed pending");
            await Task.Delay(50);
        }
    }

    private async Task<(User User, HttpClient Http)> UserAsync(long deposit = 0)
    {
        var user = await Server.RegisterAsync("payer");
        var http = Http(user);
        using var set = await http.PutAsJsonAsync("api/v1/wallet/pay-password", new SetPayPasswordRequest(Pay, LoginPassword: User.Password), Json.SetPayPasswordRequest);
        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        if (deposit > 0) Assert.True((await Server.Services.GetRequiredService<WalletService>().DepositAsync(user.Number, deposit, NewKey())).IsOk);
        return (user, http);
    }

    private async Task AssertReconcilesAsync()
    {
        Assert.True((await Server.Services.GetRequiredService<WalletService>().AuditAsync()).IsClean);
        var matched = await Service.ReconcileAsync();
        Assert.True(matched.IsClean, string.Join("\n", matched.Problems));
    }

    private Uri NotifyUrl => new(Server.BaseUri, "api/v1/wallet/bank/notify");

    [Fact]
    public async Task TopUp_BankConfirms_CreditsTheWalletOnce()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (status, payment) = await TopUpAsync(http, 12_345);

        Assert.Equal((HttpStatusCode.OK, "topup", "succeeded", 12_345L, "1111"), (status, payment.Kind, payment.Status, payment.Amount, payment.CardLast4));
        Assert.Equal(12_345, await CnyAsync(http));
        var history = (await http.GetFromJsonAsync("api/v1/wallet/history", Json.WalletHistoryPage))!;
        Assert.Equal(("topup", 12_345L, payment.Id), (history.Items[0].Kind, history.Items[0].Amount, history.Items[0].Reference));
        Assert.Contains((await http.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments, p => p.Id == payment.Id);
        await AssertReconcilesAsync();
        Assert.Equal(12_345, await CnyAsync(http)); // the bank's callback (already sent or not) changed nothing
    }

    [Fact]
    public async Task TopUp_Declined_FailsAndCreditsNothing()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (_, payment) = await TopUpAsync(http, 5_000, CardEnding("0002"));

        Assert.Equal("failed", payment.Status);
        Assert.False(string.IsNullOrEmpty(payment.Failure));
        Assert.Equal(0, await CnyAsync(http));
        await AssertReconcilesAsync();
        Assert.Equal(0, await CnyAsync(http));
    }

    [Fact]
    public async Task TopUp_BankNeverAnswersNorCallsBack_StaysPending_ThenReconciliationCreditsOnce()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (status, payment) = await TopUpAsync(http, 7_000, CardEnding("0129"));

        Assert.Equal((HttpStatusCode.Accepted, "pending"), (status, payment.Status));
        var matched = await Service.ReconcileAsync(); // asks the bank about every pending payment (the poller may have been first)
        Assert.True(matched.IsClean, string.Join("\n", matched.Problems));
        Assert.Equal("succeeded", (await PaymentAsync(http, payment.Id)).Status);
        Assert.Equal(7_000, await CnyAsync(http));
        await Service.ResolvePendingAsync(all: true);
        Assert.Equal(7_000, await CnyAsync(http));
    }

    [Fact]
    public async Task TopUp_NoAnswer_TheCallbackSettlesIt_AndTheSameCallbackTwiceMore_ChangesNothing()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (status, payment) = await TopUpAsync(http, 8_800, CardEnding("0119"));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("succeeded", (await SettledAsync(http, payment.Id)).Status);

        // The bank's own record, delivered twice more, signed: harmless.
        var record = (await BankRecordAsync(payment.Id))!;
        using var client = new HttpClient();
        for (var i = 0; i < 2; i++)
        {
            using var again = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, BankProcess.Json(record)));
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }
        Assert.Equal(8_800, await CnyAsync(http));
        await AssertReconcilesAsync();
    }

    [Fact]
    public async Task TopUp_TwoCallbacks_CreditOnce()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (_, payment) = await TopUpAsync(http, 4_400, CardEnding("0088"));
        var record = (await BankRecordAsync(payment.Id))!;
        using var client = new HttpClient();
        using var callback = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, BankProcess.Json(record)));

        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        Assert.Equal("succeeded", payment.Status);
        Assert.Equal(4_400, await CnyAsync(http));
        await AssertReconcilesAsync();
    }

    [Fact]
    public async Task TopUp_CallbackNever_ThePollerSettlesIt()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;

        var (status, payment) = await TopUpAsync(http, 3_300, CardEnding("0129"));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("succeeded", (await SettledAsync(http, payment.Id)).Status); // no callback comes: only the poller can
        Assert.Equal(3_300, await CnyAsync(http));
    }

    [Fact]
    public async Task Callback_ForgedOrStale_IsRefused_AndChangesNothing()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;
        var (_, declined) = await TopUpAsync(http, 9_900, CardEnding("0002"));
        var record = (await BankRecordAsync(declined.Id))!;
        var forged = BankProcess.Json(record with { Status = "succeeded", DeclineReason = null });
        using var client = new HttpClient();

        using var wrongSecret = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, forged, secret: "not-the-secret-at-all-000"));
        using var stale = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, forged, timestamp: TimeProvider.System.GetUtcNow().AddHours(-1).ToUnixTimeSeconds()));
        using var unsigned = await client.PostAsync(NotifyUrl, new ByteArrayContent(forged));
        using var tampered = BankProcess.SignedCallback(NotifyUrl, BankProcess.Json(record));
        tampered.Content = new ByteArrayContent(forged);

        Assert.Equal("bad_signature", (await ErrorAsync(wrongSecret, HttpStatusCode.Unauthorized)).Code);
        await ErrorAsync(stale, HttpStatusCode.Unauthorized);
        await ErrorAsync(unsigned, HttpStatusCode.Unauthorized);
        await ErrorAsync(await client.SendAsync(tampered), HttpStatusCode.Unauthorized);
        Assert.Equal("failed", (await PaymentAsync(http, declined.Id)).Status);
        Assert.Equal(0, await CnyAsync(http));
    }

    [Fact]
    public async Task Withdraw_PaidOut_LeavesTheWallet_Declined_ReturnsTheMoneyOnce()
    {
        var (user, http) = await UserAsync();
        await using var _ = user;
        await TopUpAsync(http, 50_000); // funded through the bank: every movement in the history has a reference

        var (_, paid) = await WithdrawAsync(http, 10_000);
        var (_, declined) = await WithdrawAsync(http, 20_000, CardEnding("0002"));

        Assert.Equal(("withdrawal", "succeeded"), (paid.Kind, paid.Status));
        Assert.Equal("failed", declined.Status);
        Assert.Equal(40_000, await CnyAsync(http));
        var record = (await BankRecordAsync(declined.Id))!;
        using var client = new HttpClient();
        using var callback = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, BankProcess.Json(record)));
        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        await AssertReconcilesAsync();
        Assert.Equal(40_000, await CnyAsync(http));
        var kinds = (await http.GetFromJsonAsync("api/v1/wallet/history", Json.WalletHistoryPage))!.Items.Select(i => (i.Kind, i.Amount)).ToList();
        Assert.Equal(1, kinds.Count(k => k == ("withdraw_return", 20_000)));
        Assert.Equal(1, kinds.Count(k => k == ("withdraw", -20_000)));
    }

    [Fact]
    public async Task Withdraw_Refusals_MoveNothing()
    {
        var (user, http) = await UserAsync(deposit: 1_000);
        await using var _ = user;

        using var wrongPassword = await PostAsync(http, "api/v1/wallet/withdrawals", new WithdrawRequest(100, Card, "000000"), Json.WithdrawRequest, NewKey());
        using var tooMuch = await PostAsync(http, "api/v1/wallet/withdrawals", new WithdrawRequest(1_001, Card, Pay), Json.WithdrawRequest, NewKey());

        Assert.Equal("wrong_pay_password", (await ErrorAsync(wrongPassword, HttpStatusCode.Forbidden)).Code);
        Assert.Equal("insufficient_funds", (await ErrorAsync(tooMuch, HttpStatusCode.Conflict)).Code);
        Assert.Equal(1_000, await CnyAsync(http));
        Assert.Empty((await http.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments);
    }

    [Fact]
    public async Task Retries_WithTheSameKey_MoveMoneyOnce_ADifferentRequestConflicts()
    {
        var (user, http) = await UserAsync(deposit: 30_000);
        await using var _ = user;
        var (topKey, outKey) = (NewKey(), NewKey());

        var first = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TopUpAsync(http, 2_000, key: topKey)));
        var withdrawn = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WithdrawAsync(http, 5_000, key: outKey)));

        Assert.Single(first.Select(r => r.Payment.Id).Distinct());
        Assert.Single(withdrawn.Select(r => r.Payment.Id).Distinct());
        Assert.Equal(30_000 + 2_000 - 5_000, await CnyAsync(http));
        using var conflict = await PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(2_001, Card), Json.TopUpRequest, topKey);
        Assert.Equal("idempotency_conflict", (await ErrorAsync(conflict, HttpStatusCode.Conflict)).Code);
        await AssertReconcilesAsync();
    }

    [Fact]
    public async Task Settlement_ReachesTheOwnersDevicesLive_AndAnOfflineDeviceBySync_OnceEach()
    {
        var (user, http) = await UserAsync(deposit: 1_000);
        await using var _ = user;
        var live = await user.ConnectAsync();
        var since = live.LastSeq;

        // Card ...0119: no answer, the callback settles it; a declined withdrawal settles at once.
        var (_, late) = await TopUpAsync(http, 700, card: CardEnding("0119"));
        var (_, declined) = await WithdrawAsync(http, 300, card: CardEnding("0002"));

        Assert.Equal("pending", late.Status);
        var topUp = (await live.WaitForAsync<WalletPaymentUpdated>(e => e.Payment.Id == late.Id)).Payment;
        Assert.Equal(("succeeded", 700L, "topup", "0119"), (topUp.Status, topUp.Amount, topUp.Kind, topUp.CardLast4));
        var withdrawal = (await live.WaitForAsync<WalletPaymentUpdated>(e => e.Payment.Id == declined.Id)).Payment;
        Assert.Equal(("failed", "withdrawal"), (withdrawal.Status, withdrawal.Kind));
        // The callback that follows the declined payout and a replayed one settle nothing again: no second event.
        using var client = new HttpClient();
        using var again = await client.SendAsync(BankProcess.SignedCallback(NotifyUrl, BankProcess.Json(new BankPayment("ch_x", 1, late.Id, "charge", 700, "CNY", "0119",
            "succeeded", topUp.CreatedAt))));
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.DoesNotContain(live.TakeEvents(), e => e is WalletPaymentUpdated);
        // Connecting again from the last seq seen before (as a device that was offline): both by sync, once each.
        var synced = await user.ConnectAsync(since);
        await synced.WaitForAsync<WalletPaymentUpdated>(e => e.Payment.Id == late.Id);
        await synced.WaitForAsync<WalletPaymentUpdated>(e => e.Payment.Id == declined.Id);
        await synced.PingAsync();
        Assert.DoesNotContain(synced.TakeEvents(), e => e is WalletPaymentUpdated);
        Assert.Equal(1_700, await CnyAsync(http));
    }

    [Fact]
    public async Task DailyLimit_CountsTransfersRedPacketsQCoinsAndWithdrawalsTogether()
    {
        // A bank of its own: the class's bank must hold only the class server's payments, or reconciliation finds strangers.
        using var bank = new BankProcess();
        await bank.StartAsync();
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Bank.Url = bank.Url;
            o.Bank.Secret = BankProcess.Secret;
            o.Wallet.DailyLimit = 10_000;
            o.Wallet.MaxAmount = 10_000;
        });
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        Assert.True((await server.Services.GetRequiredService<WalletService>().DepositAsync(alice.Number, 50_000, NewKey())).IsOk);
        await alice.Rest.SetPayPasswordAsync(new SetPayPasswordRequest(Pay, LoginPassword: User.Password));
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", alice.Rest.Token);

        await alice.Rest.TransferMoneyAsync(new CreateTransferRequest(bob.Number, 3_000, Pay, "房租"), NewKey());
        await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(2_000, 2, Pay, To: bob.Number), NewKey());
        await alice.Rest.BuyQCoinsAsync(new BuyQCoinsRequest(20, Pay), NewKey()); // 2,000 fen
        Assert.Equal("succeeded", (await WithdrawAsync(http, 2_000)).Payment.Status);
        Assert.Equal(9_000, (await alice.Rest.GetWalletAsync()).SpentToday);

        // 1,001 fen more of any kind is over the limit; a top-up does not count.
        async Task<string> RefusedAsync(Func<Task> command) => (await Assert.ThrowsAsync<Penguin.Client.PenguinException>(command)).Error.Code;
        Assert.Equal("daily_limit_exceeded", await RefusedAsync(() => alice.Rest.TransferMoneyAsync(new CreateTransferRequest(bob.Number, 1_001, Pay), NewKey())));
        Assert.Equal("daily_limit_exceeded", await RefusedAsync(() => alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_001, 1, Pay, To: bob.Number), NewKey())));
        Assert.Equal("daily_limit_exceeded", await RefusedAsync(() => alice.Rest.BuyQCoinsAsync(new BuyQCoinsRequest(11, Pay), NewKey())));
        Assert.Equal("daily_limit_exceeded", await RefusedAsync(() => alice.Rest.WithdrawAsync(new WithdrawRequest(1_001, Card, Pay), NewKey())));
        Assert.Equal("succeeded", (await TopUpAsync(http, 5_000)).Payment.Status);
        Assert.Equal("succeeded", (await WithdrawAsync(http, 1_000)).Payment.Status);

        var balance = await alice.Rest.GetWalletAsync();
        Assert.Equal((10_000L, 50_000L - 10_000 + 5_000, 20L), (balance.SpentToday, balance.Cny, balance.QCoins));
    }

    [Fact]
    public async Task Payments_AreTheirOwnersOnly()
    {
        var (alice, a) = await UserAsync();
        var (bob, b) = await UserAsync();
        await using var _ = alice;
        await using var __ = bob;
        var (_, payment) = await TopUpAsync(a, 1_000);

        await ErrorAsync(await b.GetAsync($"api/v1/wallet/bank-payments/{payment.Id}"), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await b.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments, p => p.Id == payment.Id);
        using var anonymous = new HttpClient { BaseAddress = Server.BaseUri };
        await ErrorAsync(await PostAsync(anonymous, "api/v1/wallet/topups", new TopUpRequest(1_000, Card), Json.TopUpRequest, NewKey()), HttpStatusCode.Unauthorized);
        Assert.Equal(0, await CnyAsync(b));
    }

    [Theory]
    [InlineData(0, Card, "invalid_amount")]
    [InlineData(-100, Card, "invalid_amount")]
    [InlineData(5_000_001, Card, "invalid_amount")]
    [InlineData(long.MaxValue, Card, "invalid_amount")]
    [InlineData(100, "1234", "invalid_card")]
    [InlineData(100, "62220200000011a1", "invalid_card")]
    public async Task Amounts_AndCards_AreValidated(long amount, string card, string code)
    {
        var (user, http) = await UserAsync(deposit: 1_000);
        await using var _ = user;

        using var top = await PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(amount, card), Json.TopUpRequest, NewKey());
        using var take = await PostAsync(http, "api/v1/wallet/withdrawals", new WithdrawRequest(amount, card, Pay), Json.WithdrawRequest, NewKey());
        using var noKey = await PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(100, Card), Json.TopUpRequest, null);

        Assert.Equal(code, (await ErrorAsync(top, HttpStatusCode.BadRequest)).Code);
        Assert.Equal(code, (await ErrorAsync(take, HttpStatusCode.BadRequest)).Code);
        Assert.Equal("idempotency_key_required", (await ErrorAsync(noKey, HttpStatusCode.BadRequest)).Code);
        Assert.Equal(1_000, await CnyAsync(http));
    }

    private Task<BankPayment?> BankRecordAsync(string id) => Server.Services.GetRequiredService<IBankGateway>().GetAsync(id).AsTask();
}
