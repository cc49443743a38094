namespace Penguin.Core.Wallet;

/// <summary>One leg of a ledger transaction: a signed amount (minor units of the account's currency) on one account.</summary>
public sealed record Posting(string AccountId, long Amount);
