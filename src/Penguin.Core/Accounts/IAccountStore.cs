using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>Storage of accounts, profiles, settings and device sessions.</summary>
public interface IAccountStore
{
    /// <summary>What a deleted account is called wherever it still appears.</summary>
    const string DeletedNickname = "已注销 Deleted";

    /// <summary>
    /// What a write that would attach something to an account (a membership, a friendship, a group's ownership) answers
    /// when the account does not exist or has been deleted; stores check it inside the write.
    /// </summary>
    static readonly Error AccountGone = Errors.NotFound.With("That account does not exist or has been deleted.", "该账号不存在或已注销。");

    /// <summary>Creates the user with the next account number (never reused) and their default buddy group.</summary>
    ValueTask<long> CreateUserAsync(NewUser user, string defaultGroupName, CancellationToken cancellationToken = default);

    ValueTask<UserRecord?> GetUserAsync(long number, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<UserRecord>> GetUsersAsync(IReadOnlyCollection<long> numbers, CancellationToken cancellationToken = default);

    ValueTask<string?> GetPasswordHashAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>Writes the user's profile and settings as given (setup and tests; the service uses the change form below).</summary>
    ValueTask<Committed<UserRecord>> UpdateUserAsync(UserRecord user, EventsFor<UserRecord> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="change"/> to the user as stored inside the write and stores its profile and settings:
    /// a profile change and a settings change at the same time both hold. not_found when the account does not exist or
    /// has been deleted; an error the change returns writes nothing.
    /// </summary>
    ValueTask<Result<Committed<UserRecord>>> UpdateUserAsync(long number, Func<UserRecord, Result<UserRecord>> change, EventsFor<UserRecord> events,
        CancellationToken cancellationToken = default);

    /// <summary>Users whose nickname contains <paramref name="text"/> (case-insensitive for Latin letters), lowest number first.</summary>
    ValueTask<IReadOnlyList<UserRecord>> SearchByNicknameAsync(string text, int limit, CancellationToken cancellationToken = default);

    ValueTask<SessionRecord> CreateSessionAsync(long userId, byte[] tokenHash, DeviceKind device, string? deviceName, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<SessionRecord?> FindSessionAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    ValueTask TouchSessionAsync(long sessionId, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<SessionRecord>> ListSessionsAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="sessionIds"/> still exist (not logged out, evicted, or ended by an administrator).</summary>
    ValueTask<IReadOnlyList<long>> ExistingSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken = default);

    /// <summary>Deletes one session of the user; false when it does not exist or is not theirs.</summary>
    ValueTask<bool> DeleteSessionAsync(long userId, long sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of the user and returns their ids.</summary>
    ValueTask<IReadOnlyList<long>> DeleteAllSessionsAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of the user but <paramref name="keepSessionId"/> and returns their ids.</summary>
    ValueTask<IReadOnlyList<long>> DeleteOtherSessionsAsync(long userId, long keepSessionId, CancellationToken cancellationToken = default);

    /// <summary>The account as an administrator sees it, deleted accounts included; null when the number was never given out.</summary>
    ValueTask<AccountStatus?> GetAccountStatusAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>Replaces the password hash of a live (not deleted) account; false when there is none.</summary>
    ValueTask<bool> SetPasswordHashAsync(long number, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Disables or enables a live account; false when there is none.</summary>
    ValueTask<bool> SetDisabledAsync(long number, bool disabled, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the account: clears its password, sessions and profile (the nickname becomes
    /// <see cref="DeletedNickname"/>) and marks it deleted, after which <see cref="GetUserAsync"/>, search and
    /// login treat it as absent; <see cref="GetUsersAsync"/> still finds the tombstone, for records that name it
    /// (old friend requests). Returns the ids of the sessions it had.
    /// </summary>
    ValueTask<IReadOnlyList<long>> MarkDeletedAsync(long number, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deleted accounts that still have what their deletion ends — a friendship, a group membership or join request, a
    /// pending friend request to them — because the node stopped between the deletion and its clean-up; numbers above
    /// <paramref name="after"/>, lowest first, at most <paramref name="limit"/> (a sweep pages through them once).
    /// </summary>
    ValueTask<IReadOnlyList<long>> ListUnfinishedDeletionsAsync(long after, int limit, CancellationToken cancellationToken = default);
}
