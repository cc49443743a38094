namespace Penguin.Protocol;

// The wallet (财付通, docs/protocol.md "13. Wallet"): REST bodies of /api/v1/wallet. Money is integer fen (1 CNY = 100
// fen) and whole Q-coins, never floating point.

/// <summary>GET /api/v1/wallet: balances, the Q-coin price, today's limit and what is used of it.</summary>
public sealed record WalletBalance(long Cny, long QCoins, long FenPerQCoin, long DailyLimit, long SpentToday, bool PayPasswordSet);

/// <summary>
/// One movement on the caller's accounts. <see cref="Currency"/> is "cny" (fen) or "qc" (Q-coins); <see cref="Amount"/>
/// is signed. <see cref="Reference"/> (the transfer or red packet) is absent for a deposit or a purchase, so it comes last
/// with a default: a reader must accept the movement without it.
/// </summary>
public sealed record WalletMovement(long Id, long TransactionId, string Kind, string Currency, long Amount, long BalanceAfter, DateTimeOffset At, string? Reference = null);

/// <summary>GET /api/v1/wallet/history: newest first; pass <see cref="Next"/> as ?before= for the next page.</summary>
public sealed record WalletHistoryPage(WalletMovement[] Items, long? Next = null);

/// <summary>
/// PUT /api/v1/wallet/pay-password: six digits. The first time, <see cref="LoginPassword"/> proves the caller; after
/// that, <see cref="CurrentPayPassword"/>.
/// </summary>
public sealed record SetPayPasswordRequest(string PayPassword, string? LoginPassword = null, string? CurrentPayPassword = null);

/// <summary>POST /api/v1/wallet/transfers (转账): to a friend, held until they accept or it returns after the hold time.</summary>
public sealed record CreateTransferRequest(long To, long Amount, string PayPassword, string? Memo = null);

/// <summary>A transfer as both parties see it; <see cref="Status"/> is "pending", "accepted" or "returned".</summary>
public sealed record WalletTransfer(string Id, long From, long To, long Amount, string Status, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? SettledAt = null, string? Memo = null);

/// <summary>GET /api/v1/wallet/transfers: the caller's pending transfers, sent and received.</summary>
public sealed record WalletTransferList(WalletTransfer[] Transfers);

/// <summary>POST /api/v1/wallet/qcoins: buys <see cref="QCoins"/> at the configured price in fen.</summary>
public sealed record BuyQCoinsRequest(long QCoins, string PayPassword);

/// <summary>A journal transaction the caller made: its id, kind and the caller's balances after it.</summary>
public sealed record WalletReceipt(long TransactionId, string Kind, bool Replayed, WalletBalance Balance);

/// <summary>Error codes of the wallet (docs/protocol.md, "13. Wallet").</summary>
public static class WalletErrors
{
    public static readonly Error InvalidAmount = new("invalid_amount", "The amount must be a whole number of fen greater than zero and within the limit.", "金额须为大于零且不超过上限的整数（单位：分）。");
    public static readonly Error InsufficientFunds = new("insufficient_funds", "The balance is not enough for this.", "余额不足。");
    public static readonly Error DailyLimitExceeded = new("daily_limit_exceeded", "This would exceed today's limit.", "超出今日限额。");
    public static readonly Error IdempotencyConflict = new("idempotency_conflict", "This Idempotency-Key was already used for a different request.", "该 Idempotency-Key 已用于另一个不同的请求。");
    public static readonly Error IdempotencyKeyRequired = new("idempotency_key_required", "Send an Idempotency-Key header (1 to 64 letters, digits, '-' or '_') with every wallet command.", "每个钱包操作都须带 Idempotency-Key 头（1 到 64 个字母、数字、“-”或“_”）。");
    public static readonly Error AmountTooLarge = new("amount_too_large", "The resulting balance would be larger than a wallet may hold.", "操作后的余额超过钱包上限。");
    public static readonly Error TransferClosed = new("transfer_closed", "This transfer was already accepted or returned.", "该转账已被接收或已退回。");
    public static readonly Error PayPasswordNotSet = new("pay_password_not_set", "Set a payment password first.", "请先设置支付密码。");
    public static readonly Error WrongPayPassword = new("wrong_pay_password", "The payment password is wrong.", "支付密码错误。");
    public static readonly Error PayPasswordLocked = new("pay_password_locked", "Too many wrong payment passwords; the wallet is locked for a while.", "支付密码错误次数过多，钱包已暂时锁定。");
    public static readonly Error InvalidPayPassword = new("invalid_pay_password", "The payment password must be exactly 6 digits.", "支付密码须为 6 位数字。");
    public static readonly Error InvalidMemo = new("invalid_memo", "The memo must be at most 50 characters without control characters.", "留言最多 50 个字符，且不能包含控制字符。");
}

/// <summary>A transfer was sent, accepted or returned: to both its sender's and its receiver's devices.</summary>
public sealed record WalletTransferUpdated(WalletTransfer Transfer) : DurableEvent;
