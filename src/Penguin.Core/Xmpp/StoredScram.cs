namespace Penguin.Core.Xmpp;

/// <summary>
/// A stored SCRAM credential, the fingerprint of the password hash it was derived with, and the account's password
/// hash now: when the two differ the password changed since (or the account was deleted) and the credential is stale.
/// </summary>
public sealed record StoredScram(ScramCredential Credential, byte[] PasswordCheck, string? CurrentPasswordHash);
