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

    public AccountService(IAccountStore accounts, ISocialStore social, EventPublisher publisher, TimeProvider time, AccountOptions options)
    {
        _accounts = accounts;
        _social = social;
        _publisher = publisher;
        _time = time;
        _hasher = new PasswordHasher(options.PasswordIterations);
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
        return await _accounts.CreateUserAsync(new NewUser(nickname!.Trim(), hash, avatar, now), DefaultGroupName, cancellationToken);
    }

    /// <summary>Checks number and password; wrong password and unknown account give the same answer in the same time.</summary>
    public async ValueTask<Result<(string Token, SessionRecord Session, UserRecord User)>> LoginAsync(
        long number, string? password, DeviceKind device, string? deviceName, string address, CancellationToken cancellationToken = default)
    {
        if (password is null) return Errors.AuthFailed;
        if (Validation.Text(deviceName, Limits.DeviceNameMaxLength, "deviceName") is { } badName) return badName;
        var accountKey = $"{number}|{address}";
        if (_failuresPerAccount.IsBlocked(accountKey) || _failuresPerAddress.IsBlocked(address)) return Errors.Throttled;

        var stored = await _accounts.GetPasswordHashAsync(number, cancellationToken);
        var valid = _hasher.Verify(password, stored ?? _hasher.DummyHash) && stored is not null;
        if (!valid)
        {
            _failuresPerAccount.Record(accountKey);
            _failuresPerAddress.Record(address);
            return Errors.AuthFailed;
        }

        _failuresPerAccount.Reset(accountKey);
        var token = SessionTokens.NewToken();
        var session = await _accounts.CreateSessionAsync(number, SessionTokens.HashOf(token), device, deviceName, _time.GetUtcNow(), cancellationToken);
        var user = await _accounts.GetUserAsync(number, cancellationToken);
        return (token, session, user!);
    }

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

    public async ValueTask<Result<UserRecord>> UpdateProfileAsync(long userId, UpdateProfileRequest change, CancellationToken cancellationToken = default)
    {
        if (change.Nickname is not null && Validation.Nickname(change.Nickname) is { } badName) return badName;
        if (change.Avatar is not null && !Avatars.IsKnown(change.Avatar))
            return Errors.InvalidField.With("Unknown avatar; pick one of /api/v1/avatars.", "未知的头像，请从 /api/v1/avatars 中选择。");
        if (Validation.Text(change.Signature, Limits.SignatureMaxLength, "signature") is { } badSignature) return badSignature;
        if (Validation.Text(change.Region?.Province, Limits.RegionPartMaxLength, "region.province") is { } badProvince) return badProvince;
        if (Validation.Text(change.Region?.City, Limits.RegionPartMaxLength, "region.city") is { } badCity) return badCity;
        if (change.Birthday is { } birthday && (birthday.Year < 1900 || birthday > DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)))
            return Errors.InvalidField.With("The birthday must be between 1900 and today.", "生日须在 1900 年到今天之间。");
        if (change.Gender is { } gender && !Enum.IsDefined(gender)) return Errors.InvalidField;

        var user = await _accounts.GetUserAsync(userId, cancellationToken);
        if (user is null) return Errors.NotFound;
        var updated = user with
        {
            Nickname = change.Nickname?.Trim() ?? user.Nickname,
            Avatar = change.Avatar ?? user.Avatar,
            Signature = change.Signature ?? user.Signature,
            Gender = change.Gender ?? user.Gender,
            Birthday = change.Birthday ?? user.Birthday,
            Region = change.Region ?? user.Region,
        };
        var friends = await _social.GetFriendIdsAsync(userId, cancellationToken);
        var committed = await _accounts.UpdateUserAsync(updated, u =>
            friends.Append(userId).Select(id => new EventDraft(id, new ProfileUpdated(u.FullProfile))), cancellationToken);
        return await _publisher.PublishAsync(committed);
    }

    public async ValueTask<Result<AccountSettings>> UpdateSettingsAsync(long userId, AccountSettings settings, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(settings.AddPolicy)) return Errors.InvalidField;
        var user = await _accounts.GetUserAsync(userId, cancellationToken);
        if (user is null) return Errors.NotFound;
        var committed = await _accounts.UpdateUserAsync(user with { Settings = settings }, u =>
            [new EventDraft(userId, new SettingsUpdated(u.Settings))], cancellationToken);
        return (await _publisher.PublishAsync(committed)).Settings;
    }
}
