using Penguin.Core.Outbox;

namespace Penguin.Core.Wallet;

/// <summary>A transfer as a command left it, the journal entry that moved its money and the events stored with it (to publish).</summary>
public sealed record TransferOutcome(TransferRecord Transfer, LedgerEntry Entry)
{
    public IReadOnlyList<CommittedEvent> Events { get; init; } = [];
}
