namespace Penguin.Protocol;

// Red packets (红包, docs/protocol.md "13.6 Red packets"): REST bodies of /api/v1/wallet/redpackets and the
// wallet.redpacket event. Amounts are integer fen.

/// <summary>
/// POST /api/v1/wallet/redpackets: <see cref="Amount"/> fen in total, split into <see cref="Count"/> shares, to a
/// friend (<see cref="To"/>) or a group the sender is in (<see cref="GroupId"/>), exactly one of the two. Fixed
/// (<see cref="Lucky"/> false): every share is Amount / Count, so Amount must divide evenly; lucky (拼手气): random
/// shares of at least 1 fen each, drawn when it is sent.
/// </summary>
public sealed record CreateRedPacketRequest(long Amount, int Count, string PayPassword, long? To = null, long? GroupId = null, bool Lucky = false, string? Greeting = null);

/// <summary>
/// A red packet as everyone who can see it sees it. <see cref="Status"/> is "open", "finished" (every share claimed)
/// or "refunded" (the rest went back to the sender when it expired).
/// </summary>
public sealed record RedPacket(
    string Id,
    long From,
    long Amount,
    int Count,
    bool Lucky,
    string Greeting,
    string Status,
    int ClaimedCount,
    long ClaimedAmount,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    long? To = null,
    long? GroupId = null,
    DateTimeOffset? SettledAt = null);

/// <summary>One share taken: who, how much, when.</summary>
public sealed record RedPacketClaim(long UserId, long Amount, DateTimeOffset At);

/// <summary>GET /api/v1/wallet/redpackets/{id}: the packet and who claimed what, in the order they claimed.</summary>
public sealed record RedPacketDetails(RedPacket RedPacket, RedPacketClaim[] Claims);

/// <summary>POST /api/v1/wallet/redpackets/{id}/claim: the caller's share. <see cref="Replayed"/>: claimed before; nothing moved now.</summary>
public sealed record RedPacketClaimResult(RedPacket RedPacket, long Amount, bool Replayed);

/// <summary>
/// A red packet was sent (to everyone in its conversation), claimed (to its sender and the claimer, with
/// <see cref="Claim"/>) or refunded (to its sender).
/// </summary>
public sealed record RedPacketUpdated(RedPacket RedPacket, RedPacketClaim? Claim = null) : DurableEvent;

/// <summary>Error codes of red packets (docs/protocol.md, "13.6 Red packets").</summary>
public static class RedPacketErrors
{
    public static readonly Error InvalidCount = new("invalid_count", "The number of shares is out of range.", "红包个数超出范围。");
    public static readonly Error InvalidGreeting = new("invalid_greeting", "The greeting must be at most 50 characters without control characters.", "祝福语最多 50 个字符，且不能包含控制字符。");
    public static readonly Error Empty = new("red_packet_empty", "Every share of this red packet has been claimed.", "红包已被抢完。");
    public static readonly Error Expired = new("red_packet_expired", "This red packet has expired; the rest went back to its sender.", "红包已过期，剩余金额已退回发送者。");
}

/// <summary>POST /api/v1/wallet/test-deposit (only on a server with Penguin:Wallet:TestDeposits): credits the caller, for tests and load runs.</summary>
public sealed record TestDepositRequest(long Amount);
