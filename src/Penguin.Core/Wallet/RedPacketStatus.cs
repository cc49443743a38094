namespace Penguin.Core.Wallet;

/// <summary>A red packet (红包) is open until every share is claimed (finished) or it expires and the rest goes back (refunded).</summary>
public enum RedPacketStatus
{
    Open,
    Finished,
    Refunded,
}
