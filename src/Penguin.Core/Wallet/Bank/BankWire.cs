namespace Penguin.Core.Wallet.Bank;

// The bank simulator's HTTP API (penguin-bank, docs/protocol.md "13.9 The bank gateway"): what the merchant sends
// and what the bank answers and calls back with. Amounts in fen; the currency is always "CNY".

/// <summary>POST /v1/charges (debit the card, credit the merchant) or /v1/payouts (the reverse). Idempotent on <see cref="MerchantRequestId"/>.</summary>
public sealed record BankPaymentRequest(string MerchantRequestId, long Amount, string Currency, string Card, string? NotifyUrl = null);

/// <summary>
/// A payment as the bank records it. <see cref="Kind"/>: "charge" or "payout"; <see cref="Status"/>: "succeeded" or
/// "declined" (with <see cref="DeclineReason"/>). <see cref="Seq"/> orders the bank's records for listing.
/// </summary>
public sealed record BankPayment(string Id, long Seq, string MerchantRequestId, string Kind, long Amount, string Currency, string CardLast4, string Status,
    DateTimeOffset CreatedAt, string? DeclineReason = null);

/// <summary>GET /v1/payments?after=&amp;limit=: the bank's records in order; pass <see cref="Next"/> as ?after= for more.</summary>
public sealed record BankPaymentList(BankPayment[] Payments, long? Next = null);

/// <summary>Every refusal of the bank: a code and a sentence.</summary>
public sealed record BankError(string Code, string Message);
