namespace Penguin.Core.Wallet.Bank;

public enum BankPaymentStatus
{
    Pending,
    Succeeded,
    Failed,
}
