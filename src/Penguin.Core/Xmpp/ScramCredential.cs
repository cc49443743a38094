namespace Penguin.Core.Xmpp;

/// <summary>
/// What a SCRAM server keeps of a password (RFC 5802 §3): the salt and iteration count, StoredKey = H(ClientKey) and
/// ServerKey. Neither lets anyone log in without the password, and neither is the password.
/// </summary>
public sealed record ScramCredential(ScramMechanism Mechanism, int Iterations, byte[] Salt, byte[] StoredKey, byte[] ServerKey);
