using System.Security.Cryptography;
using Penguin.Core.Accounts;

namespace Penguin.Core.Xmpp;

/// <summary>
/// Keeps each account's SCRAM credentials in step with its password: derived whenever the password is known in clear
/// (registration, a change or reset, and a native login that finds none or stale ones), so the XMPP front end never
/// needs the password itself. A credential derived for an older password hash is never used.
/// </summary>
public sealed class XmppCredentials(IXmppStore store) : IPasswordObserver
{
    private static readonly ScramMechanism[] Mechanisms = [ScramMechanism.Sha256, ScramMechanism.Sha1];

    // A per-process secret, so an unknown account gets a salt that is stable within a run (asking twice does not tell).
    private readonly byte[] _fakeSaltKey = RandomNumberGenerator.GetBytes(32);

    public async ValueTask PasswordKnownAsync(long userId, string password, string passwordHash, CancellationToken cancellationToken = default)
    {
        var check = Scram.PasswordCheck(passwordHash);
        var current = await store.GetPasswordCheckAsync(userId, cancellationToken);
        if (current is not null && current.AsSpan().SequenceEqual(check)) return;
        var credentials = Mechanisms.Select(m => Scram.Derive(m, password, RandomNumberGenerator.GetBytes(Scram.SaltBytes), Scram.DefaultIterations)).ToArray();
        await store.SaveScramAsync(userId, credentials, check, cancellationToken);
    }

    /// <summary>The account's current credential for <paramref name="mechanism"/>; null when it has none or only a stale one.</summary>
    public async ValueTask<ScramCredential?> FindAsync(long userId, ScramMechanism mechanism, CancellationToken cancellationToken = default)
    {
        var stored = await store.GetScramAsync(userId, mechanism, cancellationToken);
        if (stored?.CurrentPasswordHash is not { Length: > 0 } hash) return null;
        return Scram.PasswordCheck(hash).AsSpan().SequenceEqual(stored.PasswordCheck) ? stored.Credential : null;
    }

    /// <summary>A salt for a name that has no credential, the same for the same name within this run.</summary>
    public byte[] FakeSalt(string username, ScramMechanism mechanism) =>
        HMACSHA256.HashData(_fakeSaltKey, System.Text.Encoding.UTF8.GetBytes($"{mechanism}|{username}"))[..Scram.SaltBytes];
}
