namespace Penguin.Core.Wallet.Bank;

/// <summary>The bank did not answer (timeout, refused connection, 5xx) or answered what cannot be read: the outcome is unknown.</summary>
public sealed class BankUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
