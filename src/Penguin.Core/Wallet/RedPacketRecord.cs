namespace Penguin.Core.Wallet;

/// <summary>
/// A red packet: <see cref="Amount"/> fen in <see cref="Count"/> shares drawn when it was sent, held in
/// <see cref="LedgerAccounts.RedPacketEscrow"/>, to a friend (<see cref="ToId"/>) or a group (<see cref="GroupId"/>).
/// </summary>
public sealed record RedPacketRecord(
    string Id,
    long FromId,
    long? ToId,
    long? GroupId,
    long Amount,
    int Count,
    bool Lucky,
    string Greeting,
    RedPacketStatus Status,
    int ClaimedCount,
    long ClaimedAmount,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SettledAt = null)
{
    /// <summary>What is still in escrow for it.</summary>
    public long Remaining => Amount - ClaimedAmount;
}
