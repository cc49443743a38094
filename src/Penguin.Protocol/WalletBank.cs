namespace Penguin.Protocol;

// Top-up and withdrawal through the bank gateway (docs/protocol.md "13. Wallet"): REST bodies of
// /api/v1/wallet/topups and /api/v1/wallet/withdrawals. Amounts in fen.

/// <summary>POST /api/v1/wallet/topups (充值): charge <see cref="Card"/> (12 to 19 digits) and credit the wallet when the bank confirms.</summary>
public sealed record TopUpRequest(long Amount, string Card);

/// <summary>POST /api/v1/wallet/withdrawals (提现): the amount leaves the balance at once and is paid out to <see cref="Card"/>, or returns if the bank declines.</summary>
public sealed record WithdrawRequest(long Amount, string Card, string PayPassword);

/// <summary>
/// A top-up or withdrawal as its owner sees it. <see cref="Kind"/>: "topup" or "withdrawal"; <see cref="Status"/>:
/// "pending" (the bank has not confirmed yet), "succeeded" or "failed" (with <see cref="Failure"/>).
/// </summary>
public sealed record WalletBankPayment(string Id, string Kind, long Amount, string CardLast4, string Status, DateTimeOffset CreatedAt, string? Failure = null, DateTimeOffset? SettledAt = null);

/// <summary>
/// A top-up or withdrawal of the user's settled (succeeded or failed), whichever way the bank's outcome arrived: the
/// answer, its callback or a query. Durable, to the owner's devices.
/// </summary>
public sealed record WalletPaymentUpdated(WalletBankPayment Payment) : DurableEvent;

/// <summary>GET /api/v1/wallet/bank-payments: the caller's top-ups and withdrawals, newest first.</summary>
public sealed record WalletBankPaymentList(WalletBankPayment[] Payments);

/// <summary>Error codes of top-up and withdrawal.</summary>
public static class WalletBankErrors
{
    public static readonly Error BankUnavailable = new("bank_unavailable", "The bank gateway is not available; try again later.", "银行网关暂不可用，请稍后再试。");
    public static readonly Error InvalidCard = new("invalid_card", "The card number must be 12 to 19 digits.", "银行卡号须为 12 到 19 位数字。");
    public static readonly Error BadSignature = new("bad_signature", "The signature or its timestamp is wrong.", "签名或时间戳错误。");
}
