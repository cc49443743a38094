using Microsoft.Data.Sqlite;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

public sealed class SqliteAccountStore(SqliteDatabase db) : IAccountStore
{
    private const string UserColumns =
        "id, nickname, avatar, signature, gender, birthday, province, city, add_policy, show_signature, show_gender, show_birthday, show_region, allow_stranger_messages";

    public ValueTask<long> CreateUserAsync(NewUser user, string defaultGroupName, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var id = c.Scalar(tx,
                "INSERT INTO users (nickname, password_hash, avatar, created_at) VALUES ($n, $h, $a, $t) RETURNING id",
                ("$n", user.Nickname), ("$h", user.PasswordHash), ("$a", user.Avatar), ("$t", user.CreatedAt.ToUnixMs()));
            c.Execute(tx, "INSERT INTO buddy_groups (user_id, name, position, is_default) VALUES ($u, $n, 0, 1)",
                ("$u", id), ("$n", defaultGroupName));
            return id;
        }, cancellationToken);

    public ValueTask<UserRecord?> GetUserAsync(long number, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {UserColumns} FROM users WHERE id = $u AND deleted_at IS NULL", ReadUser, ("$u", number)), cancellationToken);

    public ValueTask<IReadOnlyList<UserRecord>> GetUsersAsync(IReadOnlyCollection<long> numbers, CancellationToken cancellationToken = default)
    {
        if (numbers.Count == 0) return ValueTask.FromResult<IReadOnlyList<UserRecord>>([]);
        var (clause, parameters) = SqlExtensions.InList(numbers);
        return db.ReadAsync<IReadOnlyList<UserRecord>>(c =>
            c.Query(null, $"SELECT {UserColumns} FROM users WHERE id IN {clause}", ReadUser, parameters), cancellationToken);
    }

    public ValueTask<string?> GetPasswordHashAsync(long number, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT password_hash FROM users WHERE id = $u AND deleted_at IS NULL", r => r.GetString(0), ("$u", number)), cancellationToken);

    public ValueTask<Committed<UserRecord>> UpdateUserAsync(UserRecord user, EventsFor<UserRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            WriteUser(c, tx, user);
            return SqliteOutbox.Commit(db.EventHeads, c, tx, user, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<UserRecord>>> UpdateUserAsync(long number, Func<UserRecord, Result<UserRecord>> change, EventsFor<UserRecord> events,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<UserRecord>>>((c, tx) =>
        {
            // Read and written on the writer thread in one transaction: no other write (a deletion included) comes between.
            if (c.QuerySingle(tx, $"SELECT {UserColumns} FROM users WHERE id = $u AND deleted_at IS NULL", ReadUser, ("$u", number)) is not { } current)
                return Errors.NotFound;
            var changed = change(current);
            if (!changed.IsOk) return changed.Error;
            WriteUser(c, tx, changed.Value);
            return SqliteOutbox.Commit(db.EventHeads, c, tx, changed.Value, events);
        }, cancellationToken);

    private static void WriteUser(SqliteConnection c, SqliteTransaction tx, UserRecord user)
    {
        var s = user.Settings;
        c.Execute(tx, """
            UPDATE users SET nickname = $n, avatar = $a, signature = $s, gender = $g, birthday = $b, province = $p, city = $c,
                add_policy = $ap, show_signature = $ss, show_gender = $sg, show_birthday = $sb, show_region = $sr, allow_stranger_messages = $am
            WHERE id = $u
            """,
            ("$u", user.Number), ("$n", user.Nickname), ("$a", user.Avatar), ("$s", user.Signature), ("$g", (int)user.Gender),
            ("$b", user.Birthday?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            ("$p", user.Region?.Province), ("$c", user.Region?.City), ("$ap", (int)s.AddPolicy),
            ("$ss", s.ShowSignature), ("$sg", s.ShowGender), ("$sb", s.ShowBirthday), ("$sr", s.ShowRegion), ("$am", s.AllowStrangerMessages));
    }

    public ValueTask<IReadOnlyList<UserRecord>> SearchByNicknameAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        var pattern = SqlExtensions.Contains(text);
        return db.ReadAsync<IReadOnlyList<UserRecord>>(c => c.Query(null,
            $"SELECT {UserColumns} FROM users WHERE nickname LIKE $p ESCAPE '\\' AND deleted_at IS NULL ORDER BY id LIMIT $n",
            ReadUser, ("$p", pattern), ("$n", limit)), cancellationToken);
    }

    public ValueTask<SessionRecord> CreateSessionAsync(long userId, byte[] tokenHash, DeviceKind device, string? deviceName, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var id = c.Scalar(tx, """
                INSERT INTO sessions (user_id, token_hash, device, device_name, created_at, last_seen_at)
                VALUES ($u, $h, $d, $n, $t, $t) RETURNING id
                """, ("$u", userId), ("$h", tokenHash), ("$d", (int)device), ("$n", deviceName), ("$t", now.ToUnixMs()));
            // What is stored, to the millisecond: the same record FindSessionAsync will return.
            var stored = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixMs());
            return new SessionRecord(id, userId, device, deviceName, stored, stored);
        }, cancellationToken);

    public ValueTask<SessionRecord?> FindSessionAsync(byte[] tokenHash, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {SessionColumns} FROM sessions WHERE token_hash = $h", ReadSession, ("$h", tokenHash)), cancellationToken);

    public async ValueTask TouchSessionAsync(long sessionId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE sessions SET last_seen_at = $t WHERE id = $id", ("$t", now.ToUnixMs()), ("$id", sessionId)), cancellationToken);

    public ValueTask<IReadOnlyList<SessionRecord>> ListSessionsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<SessionRecord>>(c =>
            c.Query(null, $"SELECT {SessionColumns} FROM sessions WHERE user_id = $u ORDER BY id", ReadSession, ("$u", userId)), cancellationToken);

    public ValueTask<IReadOnlyList<long>> ExistingSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken = default)
    {
        if (sessionIds.Count == 0) return ValueTask.FromResult<IReadOnlyList<long>>([]);
        var (clause, parameters) = SqlExtensions.InList(sessionIds);
        return db.ReadAsync<IReadOnlyList<long>>(c => c.Query(null, $"SELECT id FROM sessions WHERE id IN {clause}", r => r.GetInt64(0), parameters), cancellationToken);
    }

    public ValueTask<bool> DeleteSessionAsync(long userId, long sessionId, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, "DELETE FROM sessions WHERE id = $id AND user_id = $u", ("$id", sessionId), ("$u", userId)) > 0, cancellationToken);

    public ValueTask<IReadOnlyList<long>> DeleteAllSessionsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<long>>((c, tx) =>
            c.Query(tx, "DELETE FROM sessions WHERE user_id = $u RETURNING id", r => r.GetInt64(0), ("$u", userId)), cancellationToken);

    public ValueTask<IReadOnlyList<long>> DeleteOtherSessionsAsync(long userId, long keepSessionId, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<long>>((c, tx) =>
            c.Query(tx, "DELETE FROM sessions WHERE user_id = $u AND id <> $k RETURNING id", r => r.GetInt64(0), ("$u", userId), ("$k", keepSessionId)), cancellationToken);

    public ValueTask<AccountStatus?> GetAccountStatusAsync(long number, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT id, nickname, created_at, disabled, deleted_at FROM users WHERE id = $u",
            r => new AccountStatus(r.GetInt64(0), r.GetString(1), r.FromUnixMs(2), r.GetBoolean(3), r.IsDBNull(4) ? null : r.FromUnixMs(4)),
            ("$u", number)), cancellationToken);

    public ValueTask<bool> SetPasswordHashAsync(long number, string passwordHash, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE users SET password_hash = $h WHERE id = $u AND deleted_at IS NULL",
            ("$h", passwordHash), ("$u", number)) > 0, cancellationToken);

    public ValueTask<bool> SetDisabledAsync(long number, bool disabled, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) => c.Execute(tx, "UPDATE users SET disabled = $d WHERE id = $u AND deleted_at IS NULL",
            ("$d", disabled), ("$u", number)) > 0, cancellationToken);

    public ValueTask<IReadOnlyList<long>> MarkDeletedAsync(long number, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.WriteAsync<IReadOnlyList<long>>((c, tx) =>
        {
            c.Execute(tx, """
                UPDATE users SET deleted_at = $t, password_hash = '', nickname = $n, signature = NULL, birthday = NULL, province = NULL, city = NULL
                WHERE id = $u AND deleted_at IS NULL
                """, ("$n", IAccountStore.DeletedNickname), ("$t", at.ToUnixMs()), ("$u", number));
            return c.Query(tx, "DELETE FROM sessions WHERE user_id = $u RETURNING id", r => r.GetInt64(0), ("$u", number));
        }, cancellationToken);

    public ValueTask<IReadOnlyList<long>> ListUnfinishedDeletionsAsync(long after, int limit, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<long>>(c => c.Query(null, """
                SELECT u.id FROM users u
                WHERE u.deleted_at IS NOT NULL AND u.id > $after AND (
                    EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = u.id)
                    OR EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id)
                    OR EXISTS (SELECT 1 FROM group_requests q WHERE q.user_id = u.id)
                    OR EXISTS (SELECT 1 FROM friend_requests r WHERE r.to_id = u.id AND r.state = 0))
                ORDER BY u.id LIMIT $l
                """, r => r.GetInt64(0), ("$after", after), ("$l", limit)), cancellationToken);

    private const string SessionColumns = "id, user_id, device, device_name, created_at, last_seen_at";

    private static SessionRecord ReadSession(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), (DeviceKind)r.GetInt32(2), r.NullableString(3), r.FromUnixMs(4), r.FromUnixMs(5));

    private static UserRecord ReadUser(SqliteDataReader r)
    {
        var province = r.NullableString(6);
        var city = r.NullableString(7);
        return new UserRecord(
            r.GetInt64(0),
            r.GetString(1),
            r.GetString(2),
            r.NullableString(3),
            (Gender)r.GetInt32(4),
            r.IsDBNull(5) ? null : DateOnly.ParseExact(r.GetString(5), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            province is null && city is null ? null : new Region(province, city),
            new AccountSettings((AddPolicy)r.GetInt32(8), r.GetBoolean(9), r.GetBoolean(10), r.GetBoolean(11), r.GetBoolean(12), r.GetBoolean(13)));
    }
}
