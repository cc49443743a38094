using Penguin.Core.Outbox;

namespace Penguin.Core.Wallet;

/// <summary>
/// A red packet as a command left it, the claim it made (for a claim) and the events stored with it (to publish).
/// <see cref="Replayed"/>: an earlier command made it (the same send retried, a second claim); nothing moved now.
/// </summary>
public sealed record RedPacketOutcome(RedPacketRecord Packet, RedPacketClaimRecord? Claim, bool Replayed)
{
    public IReadOnlyList<CommittedEvent> Events { get; init; } = [];
}
