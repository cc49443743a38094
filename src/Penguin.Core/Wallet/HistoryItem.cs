namespace Penguin.Core.Wallet;

/// <summary>One movement on a user's account: a posting with its transaction and the balance it left.</summary>
public sealed record HistoryItem(long PostingId, long TransactionId, string Kind, string AccountId, long Amount, long BalanceAfter, string? Reference, DateTimeOffset At);
