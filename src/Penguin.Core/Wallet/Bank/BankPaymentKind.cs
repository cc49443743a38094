namespace Penguin.Core.Wallet.Bank;

/// <summary>Money in from a card (a charge at the bank) or out to it (a payout).</summary>
public enum BankPaymentKind
{
    TopUp,
    Withdrawal,
}
