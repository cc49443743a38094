using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>
/// The wallet (钱包) over REST: docs/protocol.md §13. Every command that moves money takes an idempotency key: pass
/// the same key when retrying the same command, so it moves money once.
/// </summary>
public sealed partial class PenguinClient
{
    public Task<WalletBalance> GetWalletAsync(CancellationToken ct = default) => GetAsync("api/v1/wallet", Json.WalletBalance, ct);

    public Task<WalletHistoryPage> GetWalletHistoryAsync(long? before = null, int? limit = null, CancellationToken ct = default) =>
        GetAsync($"api/v1/wallet/history?{Query(("before", before), ("limit", limit))}", Json.WalletHistoryPage, ct);

    public Task SetPayPasswordAsync(SetPayPasswordRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "api/v1/wallet/pay-password", request, Json.SetPayPasswordRequest, ct);

    public Task<WalletTransfer> TransferMoneyAsync(CreateTransferRequest request, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/transfers", request, Json.CreateTransferRequest, Json.WalletTransfer, idempotencyKey, ct);

    public Task<WalletTransfer> GetTransferAsync(string id, CancellationToken ct = default) =>
        GetAsync($"api/v1/wallet/transfers/{Uri.EscapeDataString(id)}", Json.WalletTransfer, ct);

    public Task<WalletTransfer> AcceptTransferAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/wallet/transfers/{Uri.EscapeDataString(id)}/accept", Json.WalletTransfer, ct);

    /// <summary>Buys Q-coins at the server's price (WalletBalance.FenPerQCoin fen each).</summary>
    public Task<WalletReceipt> BuyQCoinsAsync(BuyQCoinsRequest request, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/qcoins", request, Json.BuyQCoinsRequest, Json.WalletReceipt, idempotencyKey, ct);

    public Task<RedPacket> SendRedPacketAsync(CreateRedPacketRequest request, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/redpackets", request, Json.CreateRedPacketRequest, Json.RedPacket, idempotencyKey, ct);

    public Task<RedPacketClaimResult> ClaimRedPacketAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/wallet/redpackets/{Uri.EscapeDataString(id)}/claim", Json.RedPacketClaimResult, ct);

    public Task<RedPacketDetails> GetRedPacketAsync(string id, CancellationToken ct = default) =>
        GetAsync($"api/v1/wallet/redpackets/{Uri.EscapeDataString(id)}", Json.RedPacketDetails, ct);

    /// <summary>Top-up (充值) from a bank card: answered pending until the bank confirms (<see cref="GetBankPaymentAsync"/> follows it).</summary>
    public Task<WalletBankPayment> TopUpAsync(TopUpRequest request, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/topups", request, Json.TopUpRequest, Json.WalletBankPayment, idempotencyKey, ct);

    /// <summary>Withdrawal (提现) to a bank card: the amount leaves the balance at once; a decline returns it.</summary>
    public Task<WalletBankPayment> WithdrawAsync(WithdrawRequest request, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/withdrawals", request, Json.WithdrawRequest, Json.WalletBankPayment, idempotencyKey, ct);

    public Task<WalletBankPayment> GetBankPaymentAsync(string id, CancellationToken ct = default) =>
        GetAsync($"api/v1/wallet/bank-payments/{Uri.EscapeDataString(id)}", Json.WalletBankPayment, ct);

    public Task<WalletBankPaymentList> GetBankPaymentsAsync(CancellationToken ct = default) => GetAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList, ct);

    /// <summary>Only on a server with Penguin:Wallet:TestDeposits (tests, load runs).</summary>
    public Task<WalletBalance> TestDepositAsync(long fen, string idempotencyKey, CancellationToken ct = default) =>
        SendKeyedAsync("api/v1/wallet/test-deposit", new TestDepositRequest(fen), Json.TestDepositRequest, Json.WalletBalance, idempotencyKey, ct);

    private async Task<TOut> SendKeyedAsync<TIn, TOut>(string path, TIn body, JsonTypeInfo<TIn> inType, JsonTypeInfo<TOut> outType, string idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, inType) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, outType, ct);
    }

    private async Task<TOut> SendAsync<TOut>(HttpMethod method, string path, JsonTypeInfo<TOut> outType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, outType, ct);
    }
}
