namespace Penguin.Core.Wallet;

/// <summary>One share of a red packet taken by <see cref="UserId"/>.</summary>
public sealed record RedPacketClaimRecord(string PacketId, long UserId, long Amount, DateTimeOffset At);
