namespace Penguin.Core.Accounts;

/// <summary>
/// Hears a password in the few moments the server holds it in clear: at registration, after a successful login and
/// when it is changed or reset. The XMPP front end derives its SCRAM keys here, so no plaintext is ever kept.
/// </summary>
public interface IPasswordObserver
{
    /// <param name="userId">The account.</param>
    /// <param name="password">The password just checked or set.</param>
    /// <param name="passwordHash">The account's stored hash for it (what the derived keys are tied to).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    ValueTask PasswordKnownAsync(long userId, string password, string passwordHash, CancellationToken cancellationToken = default);
}
