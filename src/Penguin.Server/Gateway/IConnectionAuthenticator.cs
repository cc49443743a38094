using Penguin.Core.Accounts;

namespace Penguin.Server.Gateway;

/// <summary>Turns an "auth" token into a session and the account the reply shows; provided by the accounts feature.</summary>
public interface IConnectionAuthenticator
{
    /// <summary>The session and its account, or null when the token is not valid (or the account is gone).</summary>
    ValueTask<AuthenticatedAccount?> AuthenticateAsync(string token, CancellationToken cancellationToken);

    /// <summary>Which of these sessions are still valid; the others were ended elsewhere (an administrator, another node).</summary>
    ValueTask<IReadOnlyList<long>> ValidSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken);

    /// <summary>The device is connected and live: record that it was seen.</summary>
    ValueTask TouchAsync(SessionContext session, CancellationToken cancellationToken);
}
