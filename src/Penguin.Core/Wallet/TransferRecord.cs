namespace Penguin.Core.Wallet;

/// <summary>A transfer between two friends, held in escrow while <see cref="TransferStatus.Pending"/>.</summary>
public sealed record TransferRecord(
    string Id,
    long FromId,
    long ToId,
    long Amount,
    string? Memo,
    TransferStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SettledAt = null);
