using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>Registration, login and device sessions, and the owner's own profile and settings.</summary>
public sealed class AccountService
{
    public const string DefaultGroupName = "我的好友";

    private readonly IAccountStore _accounts;
    private readonly ISocialStore _social;
    private readonly EventPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly PasswordHasher _hasher;
    private readonly FixedWindowThrottle _registrations;
    private readonly FixedWindowThrottle _failuresPerAccount;
    private readonly FixedWindowThrottle _failuresPerAddress;
    private readonly int _maxSessions;
    private readonly FixedWindowThrottle _failuresAcrossAddresses;
    private readonly AccountOptions _options;
    private readonly IPasswordObserver[] _passwordObservers;

    public AccountService(IAccountStore accounts, ISocialStore social, EventPublisher publisher, TimeProvider time, AccountOptions options,
        IEnumerable<IPasswordObserver>? passwordObservers = null)
    {
        _passwordObservers = [.. passwordObservers ?? []];
        _accounts = accounts;
        _social = social;
        _publisher = publisher;
        _time = time;
        _hasher = new PasswordHasher(options.PasswordIterations);
        _maxSessions = Math.Max(1, options.MaxSessionsPerAccount);
        _failuresAcrossAddresses = new FixedWindowThrottle(int.MaxValue, options.LoginFailureWindow, time);
        _options = options;
        _registrations = new FixedWindowThrottle(options.RegistrationsPerAddress, options.RegistrationWindow, time);
        _failuresPerAccount = new FixedWindowThrottle(options.LoginFailuresPerAccount, options.LoginFailureWindow, time);
        _failuresPerAddress = new FixedWindowThrottle(options.LoginFailuresPerAddress, options.LoginFailureWindow, time);
    }

    public async ValueTask<Result<long>> RegisterAsync(string? nickname, string? password, string address, CancellationToken cancellationToken = default)
    {
        if (Validation.Nickname(nickname) is { } badName) return badName;
        if (Validation.Password(password) is { } badPassword) return badPassword;
        if (!_registrations.TryAcquire(address)) return Errors.Throttled;

        var hash = _hasher.Hash(password!);
        var now = _time.GetUtcNow();
        var avatar = Avatars.ForNewUser(now.ToUnixTimeMilliseconds());
        var number = await _accounts.CreateUserAsync(new NewUser(nickname!.Trim(), hash, avatar, now), DefaultGroupName, cancellationToken);
        await TellPasswordAsync(number, password!, hash, cancellationToken);
        return number;
    }

    /// <summary>Checks number and password; wrong password and unknown account give the same answer in the same time.</summary>
    /// <returns>The new session's token, the session and user, and the sessions evicted beyond the cap (to be ended where connected).</returns>
    public async ValueTask<Result<(string Token, SessionRecord Session, UserRecord User, IReadOnlyList<long> Evicted)>> LoginAsync(
        long number, string? password, DeviceKind device, string? deviceName, string address, CancellationToken cancellationToken = default)
    {
        if (password is null) return Errors.AuthFailed;
        if (Validation.Text(deviceName, Limits.DeviceNameMaxLength, "deviceName") is { } badName) return badName;
        if (await VerifyPasswordAsync(number, password, address, cancellationToken) is { } failed) return failed;
        var token = SessionTokens.NewToken();
        var session = await _accounts.CreateSessionAsync(number, SessionTokens.HashOf(token), device, deviceName, _time.GetUtcNow(), cancellationToken);
        var evicted = await EvictBeyondCapAsync(number, session.Id, cancellationToken);
        var user = await _accounts.GetUserAsync(number, cancellationToken);
        return (token, session, user!, evicted);
    }

    /// <summary>
    /// Checks number and password under the login throttles (the same answer and time for a wrong password and an
    /// unknown account); null when they are right and the account may log in. Tells the password observers.
    /// </summary>
    public async ValueTask<Error?> VerifyPasswordAsync(long number, string password, string address, CancellationToken cancellationToken = default)
    {
        string? stored = null;
        var error = await CheckCredentialsAsync(number, address, async ct =>
        {
            stored = await _accounts.GetPasswordHashAsync(number, ct);
            return _hasher.Verify(password, stored ?? _hasher.DummyHash) && stored is not null;
        }, cancellationToken);
        if (error is null) await TellPasswordAsync(number, password, stored!, cancellationToken);
        return error;
    }

    /// <summary>
    /// Runs a credential check of another protocol (XMPP's SCRAM proof) under the same throttles as the password
    /// login: per account and address, per address, and the growing delay for one account guessed from many
    /// addresses. Null when <paramref name="verify"/> accepted and the account may log in.
    /// </summary>
    public async ValueTask<Error?> CheckCredentialsAsync(long number, string address, Func<CancellationToken, ValueTask<bool>> verify, CancellationToken cancellationToken = default)
    {
        var accountKey = $"{number}|{address}";
        // Each attempt reserves a failure before the (slow) check, atomically, so parallel attempts cannot all pass
        // the check; a success gives its reservations back.
        if (!_failuresPerAccount.TryAcquire(accountKey)) return Errors.Throttled;
        if (!_failuresPerAddress.TryAcquire(address))
        {
            _failuresPerAccount.Release(accountKey);
            return Errors.Throttled;
        }

        // Guessing one account from many addresses: past a threshold each attempt waits, doubling up to a maximum.
        // A delay, not a lock: the owner still gets in (a few seconds later), and tokens keep working meanwhile.
        if (LoginDelay(number.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } delay && delay > TimeSpan.Zero)
            await Task.Delay(delay, _time, cancellationToken);

        if (!await verify(cancellationToken))
        {
            _failuresAcrossAddresses.Record(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Errors.AuthFailed;
        }

        _failuresPerAccount.Reset(accountKey);
        _failuresPerAddress.Release(address);
        if ((await _accounts.GetAccountStatusAsync(number, cancellationToken))?.Disabled == true) return Errors.AccountDisabled;
        return null;
    }

    /// <summary>
    /// A device session for an account whose credentials another protocol checked: the session named
    /// <paramref name="deviceName"/> if the account has one (an XMPP resource logging in again), else a new one;
    /// with the sessions a new one evicted beyond the per-account cap (the caller ends their connections, as a login does).
    /// </summary>
    public async ValueTask<(SessionContext Session, IReadOnlyList<long> Evicted)> OpenNamedSessionAsync(long number, DeviceKind device, string deviceName, CancellationToken cancellationToken = default)
    {
        var existing = (await _accounts.ListSessionsAsync(number, cancellationToken)).FirstOrDefault(s => s.DeviceName == deviceName);
        if (existing is not null)
        {
            await _accounts.TouchSessionAsync(existing.Id, _time.GetUtcNow(), cancellationToken);
            return (new SessionContext(number, existing.Id, existing.Device), []);
        }
        // The token is never handed out: the session is reached only through the protocol that opened it.
        var session = await _accounts.CreateSessionAsync(number, SessionTokens.HashOf(SessionTokens.NewToken()), device, deviceName, _time.GetUtcNow(), cancellationToken);
        var evicted = await EvictBeyondCapAsync(number, session.Id, cancellationToken);
        return (new SessionContext(number, session.Id, session.Device), evicted);
    }

    private async ValueTask TellPasswordAsync(long userId, string password, string hash, CancellationToken cancellationToken)
    {
        foreach (var observer in _passwordObservers) await observer.PasswordKnownAsync(userId, password, hash, cancellationToken);
    }

    private TimeSpan? LoginDelay(string account)
    {
        var over = _failuresAcrossAddresses.Count(account) - _options.LoginFailuresBeforeDelay;
        if (over < 0) return null;
        var ms = 250.0 * Math.Pow(2, Math.Min(over, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.LoginDelayMax.TotalMilliseconds));
    }

    /// <summary>Keeps an account's sessions (rows and token lookups) bounded: the least recently seen ones beyond the cap end.</summary>
    private async ValueTask<IReadOnlyList<long>> EvictBeyondCapAsync(long userId, long keep, CancellationToken cancellationToken)
    {
        var sessions = await _accounts.ListSessionsAsync(userId, cancellationToken);
        if (sessions.Count <= _maxSessions) return [];
        var evicted = new List<long>();
        foreach (var old in sessions.Where(s => s.Id != keep).OrderBy(s => s.LastSeenAt).ThenBy(s => s.Id).Take(sessions.Count - _maxSessions))
            if (await _accounts.DeleteSessionAsync(userId, old.Id, cancellationToken)) evicted.Add(old.Id);
        return evicted;
    }

    /// <summary>Which of these sessions still exist: a node checks its connections' sessions against this (see SessionAudit).</summary>
    public ValueTask<IReadOnlyList<long>> ExistingSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken = default) =>
        _accounts.ExistingSessionsAsync(sessionIds, cancellationToken);

    public async ValueTask<SessionContext?> AuthenticateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128) return null;
        var session = await _accounts.FindSessionAsync(SessionTokens.HashOf(token), cancellationToken);
        return session is null ? null : new SessionContext(session.UserId, session.Id, session.Device);
    }

    public ValueTask TouchAsync(SessionContext session, CancellationToken cancellationToken = default) => _accounts.TouchSessionAsync(session.SessionId, _time.GetUtcNow(), cancellationToken);

    public ValueTask<IReadOnlyList<SessionRecord>> ListSessionsAsync(long userId, CancellationToken cancellationToken = default) => _accounts.ListSessionsAsync(userId, cancellationToken);

    public ValueTask<bool> LogoutAsync(long userId, long sessionId, CancellationToken cancellationToken = default) => _accounts.DeleteSessionAsync(userId, sessionId, cancellationToken);

    public ValueTask<IReadOnlyList<long>> LogoutAllAsync(long userId, CancellationToken cancellationToken = default) => _accounts.DeleteAllSessionsAsync(userId, cancellationToken);

    public ValueTask<UserRecord?> GetUserAsync(long number, CancellationToken cancellationToken = default) => _accounts.GetUserAsync(number, cancellationToken);

    /// <summary>
    /// Changes the caller's password after checking the current one (wrong guesses count towards the login
    /// throttle). Every other session of the user ends: whoever knew the old password is logged out, the
    /// device that made the change stays. Returns the ended sessions.
    /// </summary>
    public async ValueTask<Result<IReadOnlyList<long>>> ChangePasswordAsync(SessionContext caller, string? current, string? next, string address, CancellationToken cancellationToken = default)
    {
        if (await CheckPasswordAsync(caller.UserId, current, address, cancellationToken) is { } wrong) return wrong;
        if (Validation.Password(next) is { } badPassword) return badPassword;
        var hash = _hasher.Hash(next!);
        await _accounts.SetPasswordHashAsync(caller.UserId, hash, cancellationToken);
        await TellPasswordAsync(caller.UserId, next!, hash, cancellationToken);
        return Ok(await _accounts.DeleteOtherSessionsAsync(caller.UserId, caller.SessionId, cancellationToken));
    }

    /// <summary>Checks the caller's own password before something irreversible; null when it is right.</summary>
    public async ValueTask<Error?> CheckPasswordAsync(long userId, string? password, string address, CancellationToken cancellationToken = default)
    {
        var key = $"{userId}|{address}";
        if (_failuresPerAccount.IsBlocked(key)) return Errors.Throttled;
        var stored = await _accounts.GetPasswordHashAsync(userId, cancellationToken);
        if (password is not null && stored is not null && _hasher.Verify(password, stored)) return null;
        _failuresPerAccount.Record(key);
        return Errors.WrongPassword;
    }

    /// <summary>An administrator sets a new password (the user forgot theirs): every session of the account ends.</summary>
    public async ValueTask<Result<IReadOnlyList<long>>> ResetPasswordAsync(long number, string? password, CancellationToken cancellationToken = default)
    {
        if (Validation.Password(password) is { } badPassword) return badPassword;
        var hash = _hasher.Hash(password!);
        if (!await _accounts.SetPasswordHashAsync(number, hash, cancellationToken)) return Errors.NotFound;
        await TellPasswordAsync(number, password!, hash, cancellationToken);
        return Ok(await _accounts.DeleteAllSessionsAsync(number, cancellationToken));
    }

    /// <summary>An administrator disables an account (no login; every session ends) or enables it again.</summary>
    public async ValueTask<Result<IReadOnlyList<long>>> SetDisabledAsync(long number, bool disabled, CancellationToken cancellationToken = default)
    {
        if (!await _accounts.SetDisabledAsync(number, disabled, cancellationToken)) return Errors.NotFound;
        return disabled ? Ok(await _accounts.DeleteAllSessionsAsync(number, cancellationToken)) : Ok([]);
    }

    public ValueTask<AccountStatus?> GetStatusAsync(long number, CancellationToken cancellationToken = default) => _accounts.GetAccountStatusAsync(number, cancellationToken);

    /// <summary>Marks the account deleted (see <see cref="IAccountStore.MarkDeletedAsync"/>); returns the sessions it had.</summary>
    public ValueTask<IReadOnlyList<long>> MarkDeletedAsync(long userId, CancellationToken cancellationToken = default) => _accounts.MarkDeletedAsync(userId, _time.GetUtcNow(), cancellationToken);

    private static Result<IReadOnlyList<long>> Ok(IReadOnlyList<long> sessions) => sessions.ToArray();

    public async ValueTask<Result<UserRecord>> UpdateProfileAsync(long userId, UpdateProfileRequest change, CancellationToken cancellationToken = default)
    {
        if (change.Nickname is not null && Validation.Nickname(change.Nickname) is { } badName) return badName;
        if (Validation.Text(change.Signature, Limits.SignatureMaxLength, "signature") is { } badSignature) return badSignature;
        if (Validation.Text(change.Region?.Province, Limits.RegionPartMaxLength, "region.province") is { } badProvince) return badProvince;
        if (Validation.Text(change.Region?.City, Limits.RegionPartMaxLength, "region.city") is { } badCity) return badCity;
        if (change.Birthday is { } birthday && (birthday.Year < 1900 || birthday > DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)))
            return Errors.InvalidField.With("The birthday must be between 1900 and today.", "生日须在 1900 年到今天之间。");
        if (change.Gender is { } gender && !Enum.IsDefined(gender)) return Errors.InvalidField;

        // Applied to the account as stored when written: a settings change meanwhile is kept, a deletion meanwhile is not_found.
        return await SaveProfileAsync(userId, user =>
        {
            // A built-in avatar by name, or the one already set (an uploaded avatar sent back unchanged with the rest).
            if (change.Avatar is not null && !Avatars.IsKnown(change.Avatar) && change.Avatar != user.Avatar)
                return Errors.InvalidField.With("Unknown avatar; pick one of /api/v1/avatars, or upload a picture (PUT /api/v1/me/avatar).",
                    "未知的头像，请从 /api/v1/avatars 中选择，或上传图片（PUT /api/v1/me/avatar）。");
            return user with
            {
                Nickname = change.Nickname?.Trim() ?? user.Nickname,
                Avatar = change.Avatar ?? user.Avatar,
                Signature = change.Signature ?? user.Signature,
                Gender = change.Gender ?? user.Gender,
                Birthday = change.Birthday ?? user.Birthday,
                Region = change.Region ?? user.Region,
            };
        }, cancellationToken);
    }

    /// <summary>
    /// Sets the user's avatar to one made from an upload (<see cref="Avatars.Uploaded"/>, made and stored by the caller),
    /// telling friends and the user's other devices as any profile change does.
    /// </summary>
    public async ValueTask<Result<UserRecord>> SetUploadedAvatarAsync(long userId, string avatar, CancellationToken cancellationToken = default)
    {
        if (Avatars.UploadedSha256(avatar) is null) throw new ArgumentException("Not an uploaded avatar's name.", nameof(avatar));
        var user = await _accounts.GetUserAsync(userId, cancellationToken);
        if (user is null) return Errors.NotFound;
        return user.Avatar == avatar ? user : await SaveProfileAsync(userId, u => u with { Avatar = avatar }, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the profile as stored when written and tells the user's friends and devices
    /// (<see cref="ProfileUpdated"/>, after the commit); not_found for an account deleted meanwhile.
    /// </summary>
    private async ValueTask<Result<UserRecord>> SaveProfileAsync(long userId, Func<UserRecord, Result<UserRecord>> change, CancellationToken cancellationToken)
    {
        var friends = await _social.GetFriendIdsAsync(userId, cancellationToken);
        var committed = await _accounts.UpdateUserAsync(userId, change, u =>
            friends.Append(u.Number).Select(id => new EventDraft(id, new ProfileUpdated(u.FullProfile))), cancellationToken);
        return committed.IsOk ? await _publisher.PublishAsync(committed.Value) : committed.Error;
    }

    public async ValueTask<Result<AccountSettings>> UpdateSettingsAsync(long userId, AccountSettings settings, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(settings.AddPolicy)) return Errors.InvalidField;
        // Only the settings of the account as stored: a profile change at the same time is kept.
        var committed = await _accounts.UpdateUserAsync(userId, u => u with { Settings = settings }, u =>
            [new EventDraft(userId, new SettingsUpdated(u.Settings))], cancellationToken);
        return committed.IsOk ? (await _publisher.PublishAsync(committed.Value)).Settings : committed.Error;
    }
}
