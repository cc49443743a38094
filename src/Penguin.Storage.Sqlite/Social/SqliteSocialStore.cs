using Microsoft.Data.Sqlite;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

public sealed class SqliteSocialStore(SqliteDatabase db) : ISocialStore
{
    private const string RequestColumns = "id, from_id, to_id, message, from_group_id, state, created_at";

    public ValueTask<Relation> GetRelationAsync(long userId, long otherId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, """
            SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id = $a AND friend_id = $b),
                   EXISTS (SELECT 1 FROM blocks WHERE user_id = $a AND blocked_id = $b),
                   EXISTS (SELECT 1 FROM blocks WHERE user_id = $b AND blocked_id = $a)
            """, r => new Relation(r.GetBoolean(0), r.GetBoolean(1), r.GetBoolean(2)), ("$a", userId), ("$b", otherId))!, cancellationToken);

    public ValueTask<long[]> GetFriendIdsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Query(null, "SELECT friend_id FROM friendships WHERE user_id = $u", r => r.GetInt64(0), ("$u", userId)).ToArray(), cancellationToken);

    public ValueTask<IReadOnlyList<FriendEntry>> GetFriendsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<FriendEntry>>(c => c.Query(null,
            "SELECT friend_id, group_id, remark FROM friendships WHERE user_id = $u ORDER BY friend_id",
            r => new FriendEntry(r.GetInt64(0), r.GetInt64(1), r.NullableString(2)), ("$u", userId)), cancellationToken);

    public ValueTask<BuddyGroup[]> GetGroupsAsync(long userId, CancellationToken cancellationToken = default) => db.ReadAsync(c => Groups(c, null, userId), cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> CreateGroupAsync(long userId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>((c, tx) =>
        {
            if (c.Scalar(tx, "SELECT COUNT(*) FROM buddy_groups WHERE user_id = $u", ("$u", userId)) >= Limits.MaxBuddyGroups)
                return Errors.LimitReached.With($"At most {Limits.MaxBuddyGroups} buddy groups.", $"最多 {Limits.MaxBuddyGroups} 个分组。");
            c.Execute(tx, """
                INSERT INTO buddy_groups (user_id, name, position)
                VALUES ($u, $n, (SELECT COALESCE(MAX(position), 0) + 1 FROM buddy_groups WHERE user_id = $u))
                """, ("$u", userId), ("$n", name));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Groups(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> RenameGroupAsync(long userId, long groupId, string name, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>((c, tx) =>
        {
            if (c.Execute(tx, "UPDATE buddy_groups SET name = $n WHERE id = $g AND user_id = $u", ("$n", name), ("$g", groupId), ("$u", userId)) == 0)
                return NoSuchGroup;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Groups(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupDeletion>>> DeleteGroupAsync(long userId, long groupId, EventsFor<GroupDeletion> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupDeletion>>>((c, tx) =>
        {
            var groups = Groups(c, tx, userId);
            var group = groups.FirstOrDefault(g => g.Id == groupId);
            if (group is null) return NoSuchGroup;
            if (group.IsDefault) return Errors.DefaultGroup;
            var defaultId = groups.First(g => g.IsDefault).Id;
            var moved = c.Query(tx, "UPDATE friendships SET group_id = $d WHERE user_id = $u AND group_id = $g RETURNING friend_id, group_id, remark",
                r => new FriendEntry(r.GetInt64(0), r.GetInt64(1), r.NullableString(2)), ("$d", defaultId), ("$u", userId), ("$g", groupId));
            c.Execute(tx, "DELETE FROM buddy_groups WHERE id = $g", ("$g", groupId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, new GroupDeletion(Groups(c, tx, userId), defaultId, [.. moved.OrderBy(f => f.FriendId)]), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<BuddyGroup[]>>> ReorderGroupsAsync(long userId, long[] ids, EventsFor<BuddyGroup[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<BuddyGroup[]>>>((c, tx) =>
        {
            var current = Groups(c, tx, userId).Select(g => g.Id).Order().ToArray();
            if (!current.SequenceEqual(ids.Order()))
                return Errors.BadRequest.With("List each of your buddy groups exactly once.", "须列出你的每个分组，且每个只列一次。");
            for (var i = 0; i < ids.Length; i++)
                c.Execute(tx, "UPDATE buddy_groups SET position = $p WHERE id = $g", ("$p", i), ("$g", ids[i]));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Groups(c, tx, userId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<FriendEntry>>> UpdateFriendAsync(long userId, long friendId, long? groupId, string? remark, EventsFor<FriendEntry> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<FriendEntry>>>((c, tx) =>
        {
            var entry = c.QuerySingle(tx, "SELECT friend_id, group_id, remark FROM friendships WHERE user_id = $u AND friend_id = $f",
                r => new FriendEntry(r.GetInt64(0), r.GetInt64(1), r.NullableString(2)), ("$u", userId), ("$f", friendId));
            if (entry is null) return Errors.NotFriends;
            if (groupId is { } g && c.Scalar(tx, "SELECT COUNT(*) FROM buddy_groups WHERE id = $g AND user_id = $u", ("$g", g), ("$u", userId)) == 0)
                return NoSuchGroup;
            var updated = entry with
            {
                GroupId = groupId ?? entry.GroupId,
                Remark = remark is null ? entry.Remark : remark.Length == 0 ? null : remark,
            };
            c.Execute(tx, "UPDATE friendships SET group_id = $g, remark = $r WHERE user_id = $u AND friend_id = $f",
                ("$g", updated.GroupId), ("$r", updated.Remark), ("$u", userId), ("$f", friendId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, updated, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<bool>>> RemoveFriendAsync(long userId, long friendId, EventsFor<bool> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<bool>>>((c, tx) =>
        {
            if (DeleteFriendship(c, tx, userId, friendId) == 0) return Errors.NotFriends;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, true, events);
        }, cancellationToken);

    public ValueTask<FriendRequestRecord?> GetRequestAsync(long requestId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {RequestColumns} FROM friend_requests WHERE id = $id", ReadRequest, ("$id", requestId)), cancellationToken);

    public ValueTask<FriendRequestRecord?> FindPendingRequestAsync(long fromId, long toId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => FindPending(c, null, fromId, toId), cancellationToken);

    public ValueTask<IReadOnlyList<FriendRequestRecord>> ListPendingRequestsAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<FriendRequestRecord>>(c => c.Query(null,
            $"SELECT {RequestColumns} FROM friend_requests WHERE (to_id = $u OR from_id = $u) AND state = 0 ORDER BY id DESC",
            ReadRequest, ("$u", userId)), cancellationToken);

    public ValueTask<Committed<FriendRequestRecord>> UpsertPendingRequestAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var existing = FindPending(c, tx, fromId, toId);
            long id;
            if (existing is null)
            {
                id = c.Scalar(tx, """
                    INSERT INTO friend_requests (from_id, to_id, message, from_group_id, state, created_at, updated_at)
                    VALUES ($f, $t, $m, $g, 0, $now, $now) RETURNING id
                    """, ("$f", fromId), ("$t", toId), ("$m", message), ("$g", fromGroupId), ("$now", now.ToUnixMs()));
            }
            else
            {
                id = existing.Id;
                c.Execute(tx, "UPDATE friend_requests SET message = $m, from_group_id = $g, updated_at = $now WHERE id = $id",
                    ("$m", message), ("$g", fromGroupId), ("$now", now.ToUnixMs()), ("$id", id));
            }
            var request = c.QuerySingle(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = $id", ReadRequest, ("$id", id))!;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, request, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<Friendship>>> AcceptRequestAsync(long requestId, long toGroupId, DateTimeOffset now, EventsFor<Friendship> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<Friendship>>>((c, tx) =>
        {
            if (c.QuerySingle(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = $id AND state = 0", ReadRequest, ("$id", requestId)) is not { } pending)
                return Errors.RequestClosed;
            // On the writer thread: an account deleted before this write is seen; one deleted after finds the friendship to end.
            if (!BothLive(c, tx, pending.FromId, pending.ToId)) return IAccountStore.AccountGone;
            if (EitherListFull(c, tx, pending.FromId, pending.ToId)) return ISocialStore.FriendListFull;
            c.Execute(tx, "UPDATE friend_requests SET state = 1, updated_at = $now WHERE id = $id", ("$now", now.ToUnixMs()), ("$id", requestId));
            var request = c.QuerySingle(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = $id", ReadRequest, ("$id", requestId))!;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Befriend(c, tx, request, toGroupId, now), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<Friendship>>> AddFriendsAsync(long fromId, long toId, string message, long fromGroupId, DateTimeOffset now, EventsFor<Friendship> events,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<Friendship>>>((c, tx) =>
        {
            if (!BothLive(c, tx, fromId, toId)) return IAccountStore.AccountGone;
            if (EitherListFull(c, tx, fromId, toId)) return ISocialStore.FriendListFull;
            // A request the sender still has pending (the receiver has since let anyone add them) is the one
            // accepted; otherwise it would stay pending next to the friendship.
            var request = c.QuerySingle(tx, $"""
                UPDATE friend_requests SET state = 1, message = $m, from_group_id = $g, updated_at = $now
                WHERE from_id = $f AND to_id = $t AND state = 0
                RETURNING {RequestColumns}
                """, ReadRequest, ("$f", fromId), ("$t", toId), ("$m", message), ("$g", fromGroupId), ("$now", now.ToUnixMs()))
                ?? c.QuerySingle(tx, $"""
                    INSERT INTO friend_requests (from_id, to_id, message, from_group_id, state, created_at, updated_at)
                    VALUES ($f, $t, $m, $g, 1, $now, $now) RETURNING {RequestColumns}
                    """, ReadRequest, ("$f", fromId), ("$t", toId), ("$m", message), ("$g", fromGroupId), ("$now", now.ToUnixMs()))!;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Befriend(c, tx, request, DefaultGroup(c, tx, toId), now), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<FriendRequestRecord>>> DeclineRequestAsync(long requestId, DateTimeOffset now, EventsFor<FriendRequestRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<FriendRequestRecord>>>((c, tx) =>
        {
            if (c.Execute(tx, "UPDATE friend_requests SET state = 2, updated_at = $now WHERE id = $id AND state = 0",
                    ("$now", now.ToUnixMs()), ("$id", requestId)) == 0)
                return Errors.RequestClosed;
            var request = c.QuerySingle(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE id = $id", ReadRequest, ("$id", requestId))!;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, request, events);
        }, cancellationToken);

    public ValueTask<long[]> GetBlockedAsync(long userId, CancellationToken cancellationToken = default) => db.ReadAsync(c => Blocked(c, null, userId), cancellationToken);

    public ValueTask<Committed<BlockChange>> BlockAsync(long userId, long otherId, DateTimeOffset now, EventsFor<BlockChange> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            c.Execute(tx, "INSERT OR IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES ($u, $o, $now)",
                ("$u", userId), ("$o", otherId), ("$now", now.ToUnixMs()));
            var wereFriends = DeleteFriendship(c, tx, userId, otherId) > 0;
            var closed = c.Query(tx, $"""
                UPDATE friend_requests SET state = 2, updated_at = $now
                WHERE state = 0 AND ((from_id = $u AND to_id = $o) OR (from_id = $o AND to_id = $u))
                RETURNING {RequestColumns}
                """, ReadRequest, ("$now", now.ToUnixMs()), ("$u", userId), ("$o", otherId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, new BlockChange(Blocked(c, tx, userId), wereFriends, [.. closed]), events);
        }, cancellationToken);

    public ValueTask<Committed<long[]>> UnblockAsync(long userId, long otherId, EventsFor<long[]> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            c.Execute(tx, "DELETE FROM blocks WHERE user_id = $u AND blocked_id = $o", ("$u", userId), ("$o", otherId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Blocked(c, tx, userId), events);
        }, cancellationToken);

    private static readonly Error NoSuchGroup = Errors.NotFound.With("No such buddy group.", "分组不存在。");

    /// <summary>Whether both accounts exist and neither has been deleted.</summary>
    /// <summary>Whether a new friendship of a and b would take either past the limit (one they already have takes nothing).</summary>
    private static bool EitherListFull(SqliteConnection c, SqliteTransaction tx, long a, long b) =>
        c.Scalar(tx, "SELECT COUNT(*) FROM friendships WHERE user_id = $a AND friend_id = $b", ("$a", a), ("$b", b)) == 0
        && c.Scalar(tx, "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM friendships WHERE user_id IN ($a, $b) GROUP BY user_id)", ("$a", a), ("$b", b)) >= Limits.MaxFriends;

    private static bool BothLive(SqliteConnection c, SqliteTransaction tx, long a, long b) =>
        c.Scalar(tx, "SELECT COUNT(*) FROM users WHERE id IN ($a, $b) AND deleted_at IS NULL", ("$a", a), ("$b", b)) == (a == b ? 1 : 2);

    private static BuddyGroup[] Groups(SqliteConnection c, SqliteTransaction? tx, long userId) =>
        [.. c.Query(tx, "SELECT id, name, position, is_default FROM buddy_groups WHERE user_id = $u ORDER BY is_default DESC, position, id",
            r => new BuddyGroup(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetBoolean(3)), ("$u", userId))];

    private static long DefaultGroup(SqliteConnection c, SqliteTransaction tx, long userId) =>
        c.Scalar(tx, "SELECT id FROM buddy_groups WHERE user_id = $u AND is_default = 1", ("$u", userId));

    private static long[] Blocked(SqliteConnection c, SqliteTransaction? tx, long userId) =>
        [.. c.Query(tx, "SELECT blocked_id FROM blocks WHERE user_id = $u ORDER BY blocked_id", r => r.GetInt64(0), ("$u", userId))];

    private static FriendRequestRecord? FindPending(SqliteConnection c, SqliteTransaction? tx, long fromId, long toId) =>
        c.QuerySingle(tx, $"SELECT {RequestColumns} FROM friend_requests WHERE from_id = $f AND to_id = $t AND state = 0",
            ReadRequest, ("$f", fromId), ("$t", toId));

    private static int DeleteFriendship(SqliteConnection c, SqliteTransaction tx, long a, long b) =>
        c.Execute(tx, "DELETE FROM friendships WHERE (user_id = $a AND friend_id = $b) OR (user_id = $b AND friend_id = $a)", ("$a", a), ("$b", b));

    /// <summary>Writes both sides of a friendship; the sender's chosen group may have been deleted meanwhile.</summary>
    private static Friendship Befriend(SqliteConnection c, SqliteTransaction tx, FriendRequestRecord request, long toGroupId, DateTimeOffset now)
    {
        var fromGroup = c.Scalar(tx, "SELECT COUNT(*) FROM buddy_groups WHERE id = $g AND user_id = $u", ("$g", request.FromGroupId), ("$u", request.FromId)) > 0
            ? request.FromGroupId
            : DefaultGroup(c, tx, request.FromId);
        const string insert = "INSERT OR IGNORE INTO friendships (user_id, friend_id, group_id, created_at) VALUES ($u, $f, $g, $now)";
        c.Execute(tx, insert, ("$u", request.FromId), ("$f", request.ToId), ("$g", fromGroup), ("$now", now.ToUnixMs()));
        c.Execute(tx, insert, ("$u", request.ToId), ("$f", request.FromId), ("$g", toGroupId), ("$now", now.ToUnixMs()));
        return new Friendship(request, new FriendEntry(request.ToId, fromGroup, null), new FriendEntry(request.FromId, toGroupId, null));
    }

    private static FriendRequestRecord ReadRequest(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4), (FriendRequestState)r.GetInt32(5), r.FromUnixMs(6));
}
