using Penguin.Core.Accounts;
using Penguin.Server.Gateway;

namespace Penguin.Server.Features.Accounts;

/// <summary>The gateway's "auth": a device session token, and the account the "authenticated" reply shows.</summary>
internal sealed partial class AccountConnectionAuthenticator(AccountService accounts, ILogger<AccountConnectionAuthenticator> logger) : IConnectionAuthenticator
{
    public async ValueTask<AuthenticatedAccount?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (await accounts.AuthenticateAsync(token, cancellationToken) is not { } session) return null;
        if (await accounts.GetUserAsync(session.UserId, cancellationToken) is not { } user)
        {
            LogSessionWithoutAccount(session.UserId, session.SessionId);
            return null;
        }
        return new AuthenticatedAccount(session, user.FullProfile, user.Settings);
    }

    public ValueTask<IReadOnlyList<long>> ValidSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken) =>
        accounts.ExistingSessionsAsync(sessionIds, cancellationToken);

    public ValueTask TouchAsync(SessionContext session, CancellationToken cancellationToken) => accounts.TouchAsync(session, cancellationToken);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Session {SessionId} of user {UserId} outlived its account")]
    private partial void LogSessionWithoutAccount(long userId, long sessionId);
}
