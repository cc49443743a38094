namespace Penguin.Core.Wallet.Bank;

/// <summary>A journal transaction that moved money across the bank clearing account: its kind, reference (the payment id) and the amount on clearing.</summary>
public sealed record BankLedgerLine(long TransactionId, string Kind, string? Reference, long ClearingAmount);
