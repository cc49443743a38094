namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// How bank payments appear in the journal. A top-up: bank clearing → user when the bank confirms it. A withdrawal:
/// user → <see cref="WithdrawalsInFlight"/> when asked, then → bank clearing when paid out or back → user when not.
/// Each settlement's idempotency key is the payment's, so however many callbacks and queries arrive it posts once.
/// </summary>
public static class BankLedger
{
    /// <summary>Money withdrawn by users and not yet paid out by the bank (a suspense account; never below zero).</summary>
    public const string WithdrawalsInFlight = "sys:withdraw:cny";

    public const string TopUpKind = "topup";
    public const string WithdrawKind = "withdraw";
    public const string WithdrawPaidKind = "withdraw_paid";
    public const string WithdrawReturnKind = "withdraw_return";

    public static string SettleKey(string paymentId) => $"bank:settle:{paymentId}";

    public static string HoldKey(string paymentId) => $"bank:hold:{paymentId}";

    public static string KindName(BankPaymentKind kind) => kind == BankPaymentKind.TopUp ? "topup" : "withdrawal";

    public static BankPaymentKind ParseKind(string kind) => kind switch
    {
        "topup" => BankPaymentKind.TopUp,
        "withdrawal" => BankPaymentKind.Withdrawal,
        _ => throw new InvalidOperationException($"Unknown bank payment kind {kind}."),
    };

    public static string StatusName(BankPaymentStatus status) => status switch
    {
        BankPaymentStatus.Pending => "pending",
        BankPaymentStatus.Succeeded => "succeeded",
        BankPaymentStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static BankPaymentStatus ParseStatus(string status) => status switch
    {
        "pending" => BankPaymentStatus.Pending,
        "succeeded" => BankPaymentStatus.Succeeded,
        "failed" => BankPaymentStatus.Failed,
        _ => throw new InvalidOperationException($"Unknown bank payment status {status}."),
    };
}
