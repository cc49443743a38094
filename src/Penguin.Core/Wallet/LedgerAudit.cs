namespace Penguin.Core.Wallet;

/// <summary>
/// What reconciliation found: transactions whose postings do not sum to zero per currency, accounts whose balance is
/// not the sum of their postings, accounts below zero that may not be, and the total of every currency (zero when
/// nothing was created or destroyed). <see cref="IsClean"/> when all three lists are empty.
/// </summary>
public sealed record LedgerAudit(
    long Transactions,
    long Postings,
    IReadOnlyList<long> UnbalancedTransactions,
    IReadOnlyList<string> MismatchedAccounts,
    IReadOnlyList<string> NegativeAccounts,
    IReadOnlyDictionary<string, long> TotalByCurrency)
{
    public bool IsClean => UnbalancedTransactions.Count == 0 && MismatchedAccounts.Count == 0 && NegativeAccounts.Count == 0
                           && TotalByCurrency.Values.All(v => v == 0);
}
