using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>Storage of accounts, profiles, settings and device sessions.</summary>
public interface IAccountStore
{
    /// <summary>Creates the user with the next account number (never reused) and their default buddy group.</summary>
    ValueTask<long> CreateUserAsync(NewUser user, string defaultGroupName, CancellationToken cancellationToken = default);

    ValueTask<UserRecord?> GetUserAsync(long number, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<UserRecord>> GetUsersAsync(IReadOnlyCollection<long> numbers, CancellationToken cancellationToken = default);

    ValueTask<string?> GetPasswordHashAsync(long number, CancellationToken cancellationToken = default);

    ValueTask<Committed<UserRecord>> UpdateUserAsync(UserRecord user, EventsFor<UserRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Users whose nickname contains <paramref name="text"/> (case-insensitive for Latin letters), lowest number first.</summary>
    ValueTask<IReadOnlyList<UserRecord>> SearchByNicknameAsync(string text, int limit, CancellationToken cancellationToken = default);

    ValueTask<SessionRecord> CreateSessionAsync(long userId, byte[] tokenHash, DeviceKind device, string? deviceName, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<SessionRecord?> FindSessionAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    ValueTask TouchSessionAsync(long sessionId, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<SessionRecord>> ListSessionsAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes one session of the user; false when it does not exist or is not theirs.</summary>
    ValueTask<bool> DeleteSessionAsync(long userId, long sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of the user and returns their ids.</summary>
    ValueTask<IReadOnlyList<long>> DeleteAllSessionsAsync(long userId, CancellationToken cancellationToken = default);
}
