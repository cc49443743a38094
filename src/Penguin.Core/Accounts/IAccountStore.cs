using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>Storage of accounts, profiles, settings and device sessions.</summary>
public interface IAccountStore
{
    /// <summary>Creates the user with the next account number (never reused) and their default buddy group.</summary>
    ValueTask<long> CreateUserAsync(NewUser user, string defaultGroupName);

    ValueTask<UserRecord?> GetUserAsync(long number);

    ValueTask<IReadOnlyList<UserRecord>> GetUsersAsync(IReadOnlyCollection<long> numbers);

    ValueTask<string?> GetPasswordHashAsync(long number);

    ValueTask<Committed<UserRecord>> UpdateUserAsync(UserRecord user, EventsFor<UserRecord> events);

    /// <summary>Users whose nickname contains <paramref name="text"/> (case-insensitive for Latin letters), lowest number first.</summary>
    ValueTask<IReadOnlyList<UserRecord>> SearchByNicknameAsync(string text, int limit);

    ValueTask<SessionRecord> CreateSessionAsync(long userId, byte[] tokenHash, DeviceKind device, string? deviceName, DateTimeOffset now);

    ValueTask<SessionRecord?> FindSessionAsync(byte[] tokenHash);

    ValueTask TouchSessionAsync(long sessionId, DateTimeOffset now);

    ValueTask<IReadOnlyList<SessionRecord>> ListSessionsAsync(long userId);

    /// <summary>Deletes one session of the user; false when it does not exist or is not theirs.</summary>
    ValueTask<bool> DeleteSessionAsync(long userId, long sessionId);

    /// <summary>Deletes every session of the user and returns their ids.</summary>
    ValueTask<IReadOnlyList<long>> DeleteAllSessionsAsync(long userId);
}
