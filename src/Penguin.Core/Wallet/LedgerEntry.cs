namespace Penguin.Core.Wallet;

/// <summary>A transaction in the journal. <see cref="Replayed"/>: an earlier command with the same key made it; nothing moved now.</summary>
public sealed record LedgerEntry(long TransactionId, string Kind, string? Reference, DateTimeOffset At, IReadOnlyList<Posting> Postings, bool Replayed = false);
