namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// A top-up or withdrawal as the wallet records it. <see cref="Id"/> is the merchant request id the bank knows it by.
/// Pending until the bank's answer, callback or a query settles it, exactly once, as succeeded or failed.
/// </summary>
public sealed record BankPaymentRecord(
    string Id,
    long UserId,
    BankPaymentKind Kind,
    long Amount,
    string CardLast4,
    BankPaymentStatus Status,
    string IdempotencyKey,
    string FingerprintHash,
    DateTimeOffset CreatedAt,
    string? BankPaymentId = null,
    string? Failure = null,
    DateTimeOffset? SettledAt = null);
