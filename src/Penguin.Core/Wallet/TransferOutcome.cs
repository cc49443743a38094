namespace Penguin.Core.Wallet;

/// <summary>A transfer as a command left it, and the journal entry that moved its money.</summary>
public sealed record TransferOutcome(TransferRecord Transfer, LedgerEntry Entry);
