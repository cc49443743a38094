namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// The ledger against the bank's own records: how many bank payments were compared and matched, every disagreement
/// found (<see cref="Problems"/>), and the payments still pending after asking the bank (not a disagreement: their
/// money is held in the withdrawals-in-flight account or not yet credited). <see cref="IsClean"/> when no problem.
/// </summary>
public sealed record BankReconciliation(int BankPayments, int Matched, int Resolved, IReadOnlyList<string> Problems, IReadOnlyList<string> Pending)
{
    public bool IsClean => Problems.Count == 0;
}
