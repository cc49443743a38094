using Penguin.Core.Accounts;
using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>What an accepted "auth" yields: the device session and what the "authenticated" reply shows of the account.</summary>
public sealed record AuthenticatedAccount(SessionContext Session, Profile Profile, AccountSettings Settings);
