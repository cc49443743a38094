namespace Penguin.Core.Wallet;

/// <summary>
/// A request to move money: one balanced transaction. <see cref="IdempotencyKey"/> is unique in the journal (a user's
/// keys are prefixed with the user id by the service); <see cref="Fingerprint"/> is the canonical text of the request,
/// so the same key with the same request replays the first outcome and with a different request is refused.
/// </summary>
public sealed record LedgerCommand(
    string IdempotencyKey,
    string Fingerprint,
    string Kind,
    long? ActorId,
    string? Reference,
    IReadOnlyList<Posting> Postings,
    DateTimeOffset At,
    DailyLimit? Limit = null)
{
    /// <summary>Null when the postings are well formed: non-zero amounts, at most one per account, summing to zero per currency without overflow.</summary>
    public string? Problem()
    {
        if (Postings.Count < 2) return "A transaction needs at least two postings.";
        if (Postings.Select(p => p.AccountId).Distinct(StringComparer.Ordinal).Count() != Postings.Count) return "An account appears twice.";
        if (Postings.Any(p => p.Amount == 0)) return "A posting of zero.";
        foreach (var currency in Postings.GroupBy(p => LedgerAccounts.CurrencyOf(p.AccountId)))
        {
            long sum = 0;
            try
            {
                foreach (var p in currency) sum = checked(sum + p.Amount);
            }
            catch (OverflowException)
            {
                return "The amounts overflow.";
            }
            if (sum != 0) return $"The {currency.Key} postings do not balance.";
        }
        return null;
    }
}
