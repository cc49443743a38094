using Npgsql;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// The social graph in PostgreSQL. Unlike SQLite, writes from several nodes really run at once here, so each
/// write first locks the rows of the users it changes (see <see cref="PgSql.LockUsersAsync"/>): checks such as
/// "the group exists" or "fewer than N groups" then hold until the commit.
/// </summary>
public sealed class PostgresSocialStore(PostgresDatabase db) : ISocialStore
{
    private const string RequestColumns = "id, from_id, to_id, message, from_group_id, state, created_at";

    private static readonly Error NoSuchGroup = Errors.NotFound.With("No such buddy group.", "分组不存在。");

    public ValueTask<Relation> GetRelationAsync(long userId, long otherId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await c.QuerySingleAsync(null, """
            SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = @a AND friend_id = @b),
                   EXISTS (SELECT 1 FROM blocks WHERE user_id = @a AND blocked_id = @b),
                   EXISTS (SELECT 1 FROM blocks WHERE user_id = @b AND blocked_id = @a)
            """, r => new Relation(r.GetBoolean(0), r.GetBoolean(1), r.GetBoolean(2)), ("a", userId), ("b", otherId)))!, cancellationToken);

    public ValueTask<long[]> GetFriendIdsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await c.QueryAsync(null, "SELECT friend_id FROM friendships WHERE user_id = @u", r => r.GetInt64(0), ("u", userId))).ToArray(), cancellationToken);

    public ValueTask<IReadOnlyList<FriendEntry>> GetFriendsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<FriendEntry>>(async c => await c.QueryAsync(null,
            "SELECT friend_id, group_id, remark FROM friendships WHERE user_id = @u ORDER BY friend_id", ReadFriend, ("u", userId)), cancellationToken);

    public ValueTask<BuddyGroup[]> GetGroupsAsync(long userId, CancellationToken cancellationToken = default) => db.ReadAsync(c => GroupsAsync(c, null, userId), cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> CreateGroupAsync(long userId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId);
            if (await c.ScalarAsync(tx, "SELECT COUNT(*) FROM buddy_groups WHERE user_id = @u", ("u", userId)) >= Limits.MaxBuddyGroups)
                return Errors.LimitReached.With($"At most {Limits.MaxBuddyGroups} buddy groups.", $"最多 {Limits.MaxBuddyGroups} 个分组。");
            await c.ExecuteAsync(tx, """
                INSERT INTO buddy_groups (user_id, name, position)
                VALUES (@u, @n, (SELECT COALESCE(MAX(position), 0) + 1 FROM buddy_groups WHERE user_id = @u))
                """, ("u", userId), ("n", name));
            return await PostgresOutbox.CommitAsync(c, tx, await GroupsAsync(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> RenameGroupAsync(long userId, long groupId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId);
            if (await c.ExecuteAsync(tx, "UPDATE buddy_groups SET name = @n WHERE id = @g AND user_id = @u", ("n", name), ("g", groupId), ("u", userId)) == 0)
                return NoSuchGroup;
            return await PostgresOutbox.CommitAsync(c, tx, await GroupsAsync(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupDeletion>>> DeleteGroupAsync(long userId, long groupId, EventsFor<GroupDeletion> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupDeletion>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId);
            var groups = await GroupsAsync(c, tx, userId);
            var group = groups.FirstOrDefault(g => g.Id == groupId);
            if (group is null) return NoSuchGroup;
            if (group.IsDefault) return Errors.DefaultGroup;
            var defaultId = groups.First(g => g.IsDefault).Id;
            var moved = await c.QueryAsync(tx, "UPDATE friendships SET group_id = @d WHERE user_id = @u AND group_id = @g RETURNING friend_id, group_id, remark",
                r => new FriendEntry(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2)), ("d", defaultId), ("u", userId), ("g", groupId));
            await c.ExecuteAsync(tx, "DELETE FROM buddy_groups WHERE id = @g", ("g", groupId));
            return await PostgresOutbox.CommitAsync(c, tx, new GroupDeletion(await GroupsAsync(c, tx, userId), defaultId, [.. moved.OrderBy(f => f.FriendId)]), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> ReorderGroupsAsync(long userId, long[] ids, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId);
            var current = (await GroupsAsync(c, tx, userId)).Select(g => g.Id).Order().ToArray();
            if (!current.SequenceEqual(ids.Order()))
                return Errors.BadRequest.With("List each of your buddy groups exactly once.", "须列出你的每个分组，且每个只列一次。");
            // One statement: each id gets its index in the list as its position.
            await c.ExecuteAsync(tx, """
                UPDATE buddy_groups AS g SET position = o.position - 1
                FROM unnest(@ids) WITH ORDINALITY AS o (id, position)
                WHERE g.id = o.id AND g.user_id = @u
                """, ("ids", ids), ("u", userId));
            return await PostgresOutbox.CommitAsync(c, tx, await GroupsAsync(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<FriendEntry>>> UpdateFriendAsync(long userId, long friendId, long? groupId, string? remark, EventsFor<FriendEntry> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<FriendEntry>>>(async (c, tx) =>
        {
            // The user's lock keeps the target group from being deleted before this commits.
            await c.LockUsersAsync(tx, userId);
            var entry = await c.QuerySingleAsync(tx, "SELECT friend_id, group_id, remark FROM friendships WHERE user_id = @u AND friend_id = @f",
                ReadFriend, ("u", userId), ("f", friendId));
            if (entry is null) return Errors.NotFriends;
            if (groupId is { } g && await c.ScalarAsync(tx, "SELECT COUNT(*) FROM buddy_groups WHERE id = @g AND user_id = @u", ("g", g), ("u", userId)) == 0)
                return NoSuchGroup;
            var updated = entry with
            {
                GroupId = groupId ?? entry.GroupId,
                Remark = remark is null ? entry.Remark : remark.Length == 0 ? null : remark,
            };
            await c.ExecuteAsync(tx, "UPDATE friendships SET group_id = @g, remark = @r WHERE user_id = @u AND friend_id = @f",
                ("g", updated.GroupId), ("r", updated.Remark), ("u", userId), ("f", friendId));
            return await PostgresOutbox.CommitAsync(c, tx, updated, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<bool>>> RemoveFriendAsync(long userId, long friendId, EventsFor<bool> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<bool>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId, friendId);
            if (await DeleteFriendshipAsync(c, tx, userId, friendId) == 0) return Errors.NotFriends;
            return await PostgresOutbox.CommitAsync(c, tx, true, events);
        }, cancellationToken);

    public ValueTask<FriendRequestRecord?> GetRequestAsync(long requestId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {RequestColumns} FROM friend_requests WHERE id = @id", ReadRequest, ("id", requestId)), cancellationToken);

    public ValueTask<FriendRequestRecord?> FindPendingRequestAsync(long fromId, long toId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {RequestColumns} FROM friend_requests WHERE from_id = @f AND to_id = @t AND state = 0",
            ReadRequest, ("f", fromId), ("t", toId)), cancellationToken);

    public ValueTask<IReadOnlyList<FriendRequestRecord>> ListPendingRequestsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<FriendRequestRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {RequestColumns} FROM friend_requests WHERE (to_id = @u OR from_id = @u) AND state = 0 ORDER BY id DESC",
            ReadRequest, ("u", userId)), cancellationToken);

    public ValueTask<Committed<FriendRequestRecord>> UpsertPendingRequestAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, fromId, toId);
            // The partial unique index makes "the one pending request between the two" a conflict target.
            var request = (await c.QuerySingleAsync(tx, $"""
                INSERT INTO friend_requests (from_id, to_id, message, from_group_id, state, created_at, updated_at)
                VALUES (@f, @t, @m, @g, 0, @now, @now)
                ON CONFLICT (from_id, to_id) WHERE state = 0
                DO UPDATE SET message = EXCLUDED.message, from_group_id = EXCLUDED.from_group_id, updated_at = EXCLUDED.updated_at
                RETURNING {RequestColumns}
                """, ReadRequest, ("f", fromId), ("t", toId), ("m", message), ("g", fromGroupId), ("now", now.Utc())))!;
            return await PostgresOutbox.CommitAsync(c, tx, request, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<Friendship>>> AcceptRequestAsync(long requestId, long toGroupId, DateTimeOffset now, EventsFor<Friendship> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<Friendship>>>(async (c, tx) =>
        {
            var pending = await c.QuerySingleAsync(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = @id", ReadRequest, ("id", requestId));
            if (pending is null) return Errors.RequestClosed;
            await c.LockUsersAsync(tx, pending.FromId, pending.ToId);
            // Both rows locked: a deletion committed before is seen, one not yet committed waits and then finds the friendship to end.
            if (await c.QuerySingleAsync(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = @id AND state = 0", ReadRequest, ("id", requestId)) is null)
                return Errors.RequestClosed;
            if (!await BothLiveAsync(c, tx, pending.FromId, pending.ToId)) return IAccountStore.AccountGone;
            if (await EitherListFullAsync(c, tx, pending.FromId, pending.ToId)) return ISocialStore.FriendListFull;
            var request = await c.QuerySingleAsync(tx, $"""
                UPDATE friend_requests SET state = 1, updated_at = @now WHERE id = @id AND state = 0 RETURNING {RequestColumns}
                """, ReadRequest, ("now", now.Utc()), ("id", requestId));
            if (request is null) return Errors.RequestClosed;
            return await PostgresOutbox.CommitAsync(c, tx, await BefriendAsync(c, tx, request, toGroupId, now), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<Friendship>>> AddFriendsAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<Friendship> events,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<Friendship>>>(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, fromId, toId);
            if (!await BothLiveAsync(c, tx, fromId, toId)) return IAccountStore.AccountGone;
            if (await EitherListFullAsync(c, tx, fromId, toId)) return ISocialStore.FriendListFull;
            // A request the sender still has pending (the receiver has since let anyone add them) is the one
            // accepted; otherwise it would stay pending next to the friendship.
            var request = await c.QuerySingleAsync(tx, $"""
                UPDATE friend_requests SET state = 1, message = @m, from_group_id = @g, updated_at = @now
                WHERE from_id = @f AND to_id = @t AND state = 0
                RETURNING {RequestColumns}
                """, ReadRequest, ("f", fromId), ("t", toId), ("m", message), ("g", fromGroupId), ("now", now.Utc()))
                ?? (await c.QuerySingleAsync(tx, $"""
                    INSERT INTO friend_requests (from_id, to_id, message, from_group_id, state, created_at, updated_at)
                    VALUES (@f, @t, @m, @g, 1, @now, @now) RETURNING {RequestColumns}
                    """, ReadRequest, ("f", fromId), ("t", toId), ("m", message), ("g", fromGroupId), ("now", now.Utc())))!;
            return await PostgresOutbox.CommitAsync(c, tx, await BefriendAsync(c, tx, request, await DefaultGroupAsync(c, tx, toId), now), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<FriendRequestRecord>>> DeclineRequestAsync(long requestId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<FriendRequestRecord>>>(async (c, tx) =>
        {
            if (await c.QuerySingleAsync(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = @id", ReadRequest, ("id", requestId)) is not { } pending)
                return Errors.RequestClosed;
            await c.LockUsersAsync(tx, pending.FromId, pending.ToId);
            var request = await c.QuerySingleAsync(tx, $"""
                UPDATE friend_requests SET state = 2, updated_at = @now WHERE id = @id AND state = 0 RETURNING {RequestColumns}
                """, ReadRequest, ("now", now.Utc()), ("id", requestId));
            if (request is null) return Errors.RequestClosed;
            return await PostgresOutbox.CommitAsync(c, tx, request, events);
        }, cancellationToken);

    public ValueTask<long[]> GetBlockedAsync(long userId, CancellationToken cancellationToken = default) => db.ReadAsync(c => BlockedAsync(c, null, userId), cancellationToken);

    public ValueTask<Committed<BlockChange>> BlockAsync(long userId, long otherId, DateTimeOffset now, EventsFor<BlockChange> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId, otherId);
            await c.ExecuteAsync(tx, "INSERT INTO blocks (user_id, blocked_id, created_at) VALUES (@u, @o, @now) ON CONFLICT DO NOTHING",
                ("u", userId), ("o", otherId), ("now", now.Utc()));
            var wereFriends = await DeleteFriendshipAsync(c, tx, userId, otherId) > 0;
            var closed = await c.QueryAsync(tx, $"""
                UPDATE friend_requests SET state = 2, updated_at = @now
                WHERE state = 0 AND ((from_id = @u AND to_id = @o) OR (from_id = @o AND to_id = @u))
                RETURNING {RequestColumns}
                """, ReadRequest, ("now", now.Utc()), ("u", userId), ("o", otherId));
            return await PostgresOutbox.CommitAsync(c, tx, new BlockChange(await BlockedAsync(c, tx, userId), wereFriends, [.. closed.OrderBy(r => r.Id)]), events);
        }, cancellationToken);

    public ValueTask<Committed<long[]>> UnblockAsync(long userId, long otherId, EventsFor<long[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.LockUsersAsync(tx, userId);
            await c.ExecuteAsync(tx, "DELETE FROM blocks WHERE user_id = @u AND blocked_id = @o", ("u", userId), ("o", otherId));
            return await PostgresOutbox.CommitAsync(c, tx, await BlockedAsync(c, tx, userId), events);
        }, cancellationToken);

    /// <summary>Whether both accounts exist and neither has been deleted (their rows locked by the caller).</summary>
    /// <summary>
    /// Whether a new friendship of a and b would take either past the limit (one they already have takes nothing). Both
    /// users' rows are locked by then, and every friendship is written under them, so the counts hold until the commit.
    /// </summary>
    private static async Task<bool> EitherListFullAsync(NpgsqlConnection c, NpgsqlTransaction tx, long a, long b) =>
        await c.ScalarAsync(tx, "SELECT COUNT(*) FROM friendships WHERE user_id = @a AND friend_id = @b", ("a", a), ("b", b)) == 0
        && (await c.ScalarAsync(tx, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM friendships WHERE user_id = ANY(@ids) GROUP BY user_id) counts",
            ("ids", new[] { a, b }.Distinct().ToArray())) ?? 0) >= Limits.MaxFriends;

    private static async Task<bool> BothLiveAsync(NpgsqlConnection c, NpgsqlTransaction tx, long a, long b) =>
        await c.ScalarAsync(tx, "SELECT COUNT(*) FROM users WHERE id = ANY(@ids) AND deleted_at IS NULL", ("ids", new[] { a, b }.Distinct().ToArray())) == (a == b ? 1 : 2);

    private static async Task<BuddyGroup[]> GroupsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long userId, CancellationToken cancellationToken = default) =>
        [.. await c.QueryAsync(tx, "SELECT id, name, position, is_default FROM buddy_groups WHERE user_id = @u ORDER BY is_default DESC, position, id",
            r => new BuddyGroup(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetBoolean(3)), ("u", userId))];

    private static async Task<long> DefaultGroupAsync(NpgsqlConnection c, NpgsqlTransaction tx, long userId, CancellationToken cancellationToken = default) =>
        await c.ScalarAsync(tx, "SELECT id FROM buddy_groups WHERE user_id = @u AND is_default", ("u", userId))
        ?? throw new InvalidOperationException($"User {userId} has no default buddy group.");

    private static async Task<long[]> BlockedAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long userId, CancellationToken cancellationToken = default) =>
        [.. await c.QueryAsync(tx, "SELECT blocked_id FROM blocks WHERE user_id = @u ORDER BY blocked_id", r => r.GetInt64(0), ("u", userId))];

    private static Task<int> DeleteFriendshipAsync(NpgsqlConnection c, NpgsqlTransaction tx, long a, long b, CancellationToken cancellationToken = default) =>
        c.ExecuteAsync(tx, "DELETE FROM friendships WHERE (user_id = @a AND friend_id = @b) OR (user_id = @b AND friend_id = @a)", ("a", a), ("b", b));

    /// <summary>Writes both sides of a friendship; the sender's chosen group may have been deleted meanwhile.</summary>
    private static async Task<Friendship> BefriendAsync(NpgsqlConnection c, NpgsqlTransaction tx, FriendRequestRecord request, long toGroupId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var fromGroup = await c.ScalarAsync(tx, "SELECT COUNT(*) FROM buddy_groups WHERE id = @g AND user_id = @u", ("g", request.FromGroupId), ("u", request.FromId)) > 0
            ? request.FromGroupId
            : await DefaultGroupAsync(c, tx, request.FromId, cancellationToken);
        const string insert = "INSERT INTO friendships (user_id, friend_id, group_id, created_at) VALUES (@u, @f, @g, @now) ON CONFLICT DO NOTHING";
        await c.ExecuteAsync(tx, insert, ("u", request.FromId), ("f", request.ToId), ("g", fromGroup), ("now", now.Utc()));
        await c.ExecuteAsync(tx, insert, ("u", request.ToId), ("f", request.FromId), ("g", toGroupId), ("now", now.Utc()));
        return new Friendship(request, new FriendEntry(request.ToId, fromGroup, null), new FriendEntry(request.FromId, toGroupId, null));
    }

    private static FriendEntry ReadFriend(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.NullableString(2));

    private static FriendRequestRecord ReadRequest(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4), (FriendRequestState)r.GetInt32(5), r.Instant(6));
}
