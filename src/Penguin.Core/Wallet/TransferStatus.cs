namespace Penguin.Core.Wallet;

/// <summary>A transfer (转账) waits in escrow until the receiver accepts it or it returns to the sender.</summary>
public enum TransferStatus
{
    Pending,
    Accepted,
    Returned,
}
