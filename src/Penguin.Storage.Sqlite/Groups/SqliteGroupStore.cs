using Microsoft.Data.Sqlite;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Sqlite;

/// <summary>
/// Groups on the embedded engine. Every write runs on the writer thread (group commit); a failing check returns
/// its error before the write changes anything, as a batch shares one transaction.
/// </summary>
public sealed class SqliteGroupStore(SqliteDatabase db) : IGroupStore
{
    private const string GroupColumns = "g.id, g.name, g.avatar, g.introduction, g.announcement, g.join_policy, g.mute_all, g.owner_id, g.member_count, g.created_at, g.dissolved, g.last_seq, g.members_version";
    private const string MemberColumns = "m.group_id, m.user_id, m.role, m.card, m.muted_until, m.notify, m.joined_at, m.joined_seq, m.read_seq";
    private const string MessageColumns = "x.id, x.group_id, x.sender_id, x.seq, x.client_id, x.body, x.sent_at, x.recalled_at, x.mentions, x.mention_all, x.attachment";
    private const string RequestColumns = "r.id, r.group_id, r.user_id, r.message, r.created_at";

    public ValueTask<Result<Committed<GroupMembership>>> CreateAsync(NewGroup group, EventsFor<GroupMembership> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupMembership>>>((c, tx) =>
        {
            if (InTooManyGroups(c, tx, group.OwnerId)) return Errors.LimitReached;
            var id = c.Scalar(tx, """
                INSERT INTO chat_groups (name, avatar, introduction, join_policy, owner_id, member_count, created_at, members_version)
                VALUES ($n, $a, $i, $p, $o, 1, $t, 1) RETURNING id
                """, ("$n", group.Name), ("$a", group.Avatar), ("$i", group.Introduction), ("$p", (int)group.JoinPolicy), ("$o", group.OwnerId),
                ("$t", group.CreatedAt.ToUnixMs()));
            c.Execute(tx, "INSERT INTO group_members (group_id, user_id, role, joined_at, joined_seq, read_seq) VALUES ($g, $u, $r, $t, 0, 0)",
                ("$g", id), ("$u", group.OwnerId), ("$r", (int)GroupRole.Owner), ("$t", group.CreatedAt.ToUnixMs()));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Membership(c, tx, id, group.OwnerId)!, events);
        }, cancellationToken);

    public ValueTask<GroupRecord?> GetAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Group(c, null, groupId), cancellationToken);

    public ValueTask<MemberRecord?> GetMemberAsync(long groupId, long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Member(c, null, groupId, userId), cancellationToken);

    public ValueTask<IReadOnlyList<MemberRecord>> ListMembersAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MemberRecord>>(c => c.Query(null,
            $"SELECT {MemberColumns} FROM group_members m WHERE m.group_id = $g ORDER BY m.role DESC, m.joined_at, m.user_id",
            r => ReadMember(r, 0), ("$g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupMembership>> ListForUserAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupMembership>>(c => c.Query(null, $"""
            SELECT {GroupColumns}, {MemberColumns} FROM group_members m JOIN chat_groups g ON g.id = m.group_id
            WHERE m.user_id = $u ORDER BY g.id
            """, r => new GroupMembership(ReadGroup(r, 0), ReadMember(r, 13)), ("$u", userId)), cancellationToken);

    public ValueTask<Result<Committed<GroupRecord>>> UpdateGroupAsync(long groupId, Func<GroupRecord, Result<GroupRecord>> change, EventsFor<GroupRecord> events,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>((c, tx) =>
        {
            // Read and written on the writer thread in one transaction: no other write comes between.
            if (Group(c, tx, groupId) is not { Dissolved: false } current) return Missing(c, tx, groupId);
            var changed = change(current);
            if (!changed.IsOk) return changed.Error;
            var updated = changed.Value;
            c.Execute(tx, """
                UPDATE chat_groups SET name = $n, avatar = $a, introduction = $i, announcement = $an, join_policy = $p, mute_all = $m
                WHERE id = $g
                """, ("$n", updated.Name), ("$a", updated.Avatar), ("$i", updated.Introduction), ("$an", updated.Announcement),
                ("$p", (int)updated.JoinPolicy), ("$m", updated.MuteAll ? 1 : 0), ("$g", groupId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Group(c, tx, groupId)!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MemberRecord>>> UpdateMemberAsync(long groupId, long userId, Func<MemberRecord, Result<MemberRecord>> change,
        EventsFor<MemberRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MemberRecord>>>((c, tx) =>
        {
            if (Member(c, tx, groupId, userId) is not { } current) return Errors.NotMember;
            var changed = change(current);
            if (!changed.IsOk) return changed.Error;
            var updated = changed.Value;
            c.Execute(tx, "UPDATE group_members SET role = $r, card = $c, muted_until = $mu, notify = $n WHERE group_id = $g AND user_id = $u",
                ("$r", (int)updated.Role), ("$c", updated.Card), ("$mu", updated.MutedUntil?.ToUnixMs()), ("$n", (int)updated.Notify),
                ("$g", groupId), ("$u", userId));
            c.Execute(tx, "UPDATE chat_groups SET members_version = members_version + 1 WHERE id = $g", ("$g", groupId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Member(c, tx, groupId, userId)!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupMembership>>> AddMemberAsync(long groupId, long userId, DateTimeOffset now, int maxMembers,
        EventsFor<GroupMembership> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupMembership>>>((c, tx) =>
        {
            var group = Group(c, tx, groupId);
            if (group is null) return Errors.NotFound;
            if (group.Dissolved) return Errors.GroupDissolved;
            // On the writer thread: a deletion is either committed before this read or comes after the membership.
            if (!IsLive(c, tx, userId)) return IAccountStore.AccountGone;
            if (Member(c, tx, groupId, userId) is not null) return Errors.AlreadyMember;
            if (group.MemberCount >= maxMembers) return Errors.GroupFull;
            if (InTooManyGroups(c, tx, userId)) return Errors.LimitReached;
            c.Execute(tx, "INSERT INTO group_members (group_id, user_id, role, joined_at, joined_seq, read_seq) VALUES ($g, $u, 0, $t, $s, $s)",
                ("$g", groupId), ("$u", userId), ("$t", now.ToUnixMs()), ("$s", group.LastSeq));
            c.Execute(tx, "UPDATE chat_groups SET member_count = member_count + 1, members_version = members_version + 1 WHERE id = $g", ("$g", groupId));
            c.Execute(tx, "DELETE FROM group_invitations WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", userId));
            c.Execute(tx, "DELETE FROM group_requests WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", userId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Membership(c, tx, groupId, userId)!, events);
        }, cancellationToken);

    private static bool InTooManyGroups(SqliteConnection c, SqliteTransaction tx, long userId) =>
        c.Scalar(tx, "SELECT COUNT(*) FROM group_members WHERE user_id = $u", ("$u", userId)) >= Limits.MaxGroupsPerUser;

    public ValueTask<Result<Committed<GroupRecord>>> RemoveMemberAsync(long groupId, long userId, EventsFor<GroupRecord> events, Func<MemberRecord, Error?>? check = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>((c, tx) =>
        {
            if (Member(c, tx, groupId, userId) is not { } member) return Errors.NotMember;
            if (member.Role == GroupRole.Owner) return IGroupStore.OwnerStays;
            if (check?.Invoke(member) is { } refused) return refused;
            c.Execute(tx, "DELETE FROM group_members WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", userId));
            c.Execute(tx, "UPDATE chat_groups SET member_count = member_count - 1, members_version = members_version + 1 WHERE id = $g", ("$g", groupId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Group(c, tx, groupId)!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupDeparture>>> RemoveDeletedAsync(long groupId, long userId, EventsFor<GroupDeparture> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupDeparture>>>((c, tx) =>
        {
            if (Group(c, tx, groupId) is not { Dissolved: false }) return Missing(c, tx, groupId);
            if (Member(c, tx, groupId, userId) is not { } former) return Errors.NotMember;
            MemberRecord? heir = null;
            if (former.Role == GroupRole.Owner)
            {
                // The longest-standing admin, else the longest-standing member: the members' list order, deleted accounts passed over.
                heir = c.QuerySingle(tx, $"""
                    SELECT {MemberColumns} FROM group_members m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
                    WHERE m.group_id = $g AND m.user_id <> $u ORDER BY m.role DESC, m.joined_at, m.user_id LIMIT 1
                    """, r => ReadMember(r, 0), ("$g", groupId), ("$u", userId));
                if (heir is null)
                {
                    var all = EndGroup(c, tx, groupId);
                    return SqliteOutbox.Commit(db.EventHeads, c, tx, new GroupDeparture(Group(c, tx, groupId)!, former, null, [.. all.Order()]), events);
                }
                c.Execute(tx, "UPDATE group_members SET role = 2 WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", heir.UserId));
                c.Execute(tx, "UPDATE chat_groups SET owner_id = $u WHERE id = $g", ("$g", groupId), ("$u", heir.UserId));
            }
            c.Execute(tx, "DELETE FROM group_members WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", userId));
            c.Execute(tx, "UPDATE chat_groups SET member_count = member_count - 1, members_version = members_version + 1 WHERE id = $g", ("$g", groupId));
            var members = c.Query(tx, "SELECT user_id FROM group_members WHERE group_id = $g ORDER BY user_id", r => r.GetInt64(0), ("$g", groupId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx,
                new GroupDeparture(Group(c, tx, groupId)!, former, heir is null ? null : Member(c, tx, groupId, heir.UserId), members), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupRecord>>> TransferAsync(long groupId, long fromId, long toId, EventsFor<GroupRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>((c, tx) =>
        {
            if (Member(c, tx, groupId, toId) is null || Member(c, tx, groupId, fromId) is not { Role: GroupRole.Owner }) return Errors.NotMember;
            if (!IsLive(c, tx, toId)) return IAccountStore.AccountGone;
            c.Execute(tx, "UPDATE group_members SET role = 2 WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", toId));
            c.Execute(tx, "UPDATE group_members SET role = 1 WHERE group_id = $g AND user_id = $u", ("$g", groupId), ("$u", fromId));
            c.Execute(tx, "UPDATE chat_groups SET owner_id = $u, members_version = members_version + 1 WHERE id = $g", ("$g", groupId), ("$u", toId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, Group(c, tx, groupId)!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<IReadOnlyList<long>>>> DissolveAsync(long groupId, EventsFor<IReadOnlyList<long>> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<IReadOnlyList<long>>>>((c, tx) =>
        {
            if (Group(c, tx, groupId) is not { Dissolved: false }) return Missing(c, tx, groupId);
            return SqliteOutbox.Commit<IReadOnlyList<long>>(db.EventHeads, c, tx, EndGroup(c, tx, groupId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupSendOutcome>>> SendAsync(NewGroupMessage message, EventsFor<GroupMessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupSendOutcome>>>((c, tx) =>
        {
            if (Sent(c, tx, message.GroupId, message.SenderId, message.ClientId) is { } earlier)
                return new Committed<GroupSendOutcome>(new GroupSendOutcome(earlier, Duplicate: true, 0), []);
            // The group's next seq, only while the sender is a member of a group not dissolved.
            var next = c.Query(tx, """
                UPDATE chat_groups SET last_seq = last_seq + 1
                WHERE id = $g AND dissolved = 0 AND EXISTS (SELECT 1 FROM group_members WHERE group_id = $g AND user_id = $s)
                RETURNING last_seq, members_version
                """, r => (Seq: r.GetInt64(0), Version: r.GetInt64(1)), ("$g", message.GroupId), ("$s", message.SenderId));
            if (next.Count == 0) return Group(c, tx, message.GroupId) is { Dissolved: false } ? Errors.NotMember : Missing(c, tx, message.GroupId);
            var (seq, version) = next[0];
            var id = c.Scalar(tx, """
                INSERT INTO group_messages (group_id, seq, sender_id, client_id, body, sent_at, mentions, mention_all, attachment, file_id)
                VALUES ($g, $seq, $s, $c, $b, $t, $m, $all, $a, $f) RETURNING id
                """, ("$g", message.GroupId), ("$seq", seq), ("$s", message.SenderId), ("$c", message.ClientId), ("$b", message.Text),
                ("$t", message.SentAt.ToUnixMs()), ("$m", GroupMessageRecord.EncodeMentions(message.Mentions)), ("$all", message.MentionAll ? 1 : 0),
                ("$a", AttachmentJson.Write(message.Attachment)), ("$f", message.Attachment?.FileId));
            // Writing a message means having read everything before it.
            c.Execute(tx, "UPDATE group_members SET read_seq = $seq WHERE group_id = $g AND user_id = $s", ("$seq", seq), ("$g", message.GroupId), ("$s", message.SenderId));
            var record = new GroupMessageRecord(id, message.GroupId, message.SenderId, seq, message.ClientId, message.Text, message.SentAt, null,
                message.Mentions, message.MentionAll, message.Attachment);
            return new Committed<GroupSendOutcome>(new GroupSendOutcome(record, Duplicate: false, version), SqliteOutbox.Append(db.EventHeads, c, tx, events(record)));
        }, cancellationToken);

    public ValueTask<GroupMessageRecord?> FindSentAsync(long groupId, long senderId, string clientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => Sent(c, null, groupId, senderId, clientId), cancellationToken);

    public ValueTask<GroupMessageRecord?> GetMessageAsync(long groupId, long messageId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {MessageColumns} FROM group_messages x WHERE x.id = $id AND x.group_id = $g",
            r => ReadMessage(r, 0), ("$id", messageId), ("$g", groupId)), cancellationToken);

    public ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, """
            SELECT EXISTS (SELECT 1 FROM group_messages x JOIN group_members gm ON gm.group_id = x.group_id AND gm.user_id = $u
                           WHERE x.file_id = $f AND x.recalled_at IS NULL AND x.seq > gm.joined_seq)
            """, ("$f", fileId), ("$u", userId)) == 1, cancellationToken);

    public ValueTask<Result<GroupMessageRecord>> RecallAsync(long groupId, long messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<GroupMessageRecord>>((c, tx) =>
        {
            var message = c.QuerySingle(tx, $"SELECT {MessageColumns} FROM group_messages x WHERE x.id = $id AND x.group_id = $g",
                r => ReadMessage(r, 0), ("$id", messageId), ("$g", groupId));
            if (message is null) return Errors.NotFound;
            if (message.RecalledAt is not null) return Errors.RequestClosed.With("The message was already recalled.", "该消息已撤回。");
            c.Execute(tx, "UPDATE group_messages SET body = NULL, attachment = NULL, file_id = NULL, recalled_at = $t WHERE id = $id", ("$t", now.ToUnixMs()), ("$id", messageId));
            return message with { Text = null, RecalledAt = now, Attachment = null };
        }, cancellationToken);

    public ValueTask<Committed<long?>> MarkReadAsync(long groupId, long userId, long seq, EventsFor<long?> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var moved = c.Query(tx, """
                UPDATE group_members SET read_seq = MIN($seq, (SELECT last_seq FROM chat_groups WHERE id = $g))
                WHERE group_id = $g AND user_id = $u AND read_seq < MIN($seq, (SELECT last_seq FROM chat_groups WHERE id = $g))
                RETURNING read_seq
                """, r => r.GetInt64(0), ("$seq", seq), ("$g", groupId), ("$u", userId));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, moved.Count == 0 ? null : (long?)moved[0], events);
        }, cancellationToken);

    public ValueTask<IReadOnlyList<GroupMessageRecord>> HistoryAsync(long groupId, long afterSeq, long beforeSeq, int limit, bool oldestFirst, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupMessageRecord>>(c => c.Query(null, $"""
            SELECT {MessageColumns} FROM group_messages x
            WHERE x.group_id = $g AND x.seq > $after AND x.seq < $before
            ORDER BY x.seq {(oldestFirst ? "ASC" : "DESC")} LIMIT $n
            """, r => ReadMessage(r, 0), ("$g", groupId), ("$after", afterSeq), ("$before", beforeSeq), ("$n", limit)), cancellationToken);

    public ValueTask<GroupReadStats> ReadStatsAsync(long groupId, long seq, long senderId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Query(null, """
            SELECT COUNT(*), COALESCE(SUM(read_seq >= $seq), 0) FROM group_members
            WHERE group_id = $g AND user_id <> $s AND joined_seq < $seq
            """, r => new GroupReadStats(r.GetInt32(1), r.GetInt32(0)), ("$seq", seq), ("$g", groupId), ("$s", senderId))[0], cancellationToken);

    public ValueTask<Committed<GroupJoinRequest>> RequestJoinAsync(long groupId, long userId, string message, DateTimeOffset now,
        EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            var request = c.QuerySingle(tx, """
                INSERT INTO group_requests AS r (group_id, user_id, message, created_at) VALUES ($g, $u, $m, $t)
                ON CONFLICT (group_id, user_id) DO UPDATE SET message = excluded.message
                RETURNING id, group_id, user_id, message, created_at
                """, ReadRequest, ("$g", groupId), ("$u", userId), ("$m", message), ("$t", now.ToUnixMs()))!;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, request, events);
        }, cancellationToken);

    public ValueTask<GroupJoinRequest?> GetJoinRequestAsync(long groupId, long requestId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.id = $id AND r.group_id = $g",
            ReadRequest, ("$id", requestId), ("$g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupJoinRequest>>(c => c.Query(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.group_id = $g ORDER BY r.id",
            ReadRequest, ("$g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsOfAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupJoinRequest>>(c => c.Query(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.user_id = $u ORDER BY r.id",
            ReadRequest, ("$u", userId)), cancellationToken);

    public ValueTask<Result<Committed<GroupJoinRequest>>> RefuseJoinAsync(long groupId, long requestId, EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupJoinRequest>>>((c, tx) =>
        {
            var request = c.QuerySingle(tx, "DELETE FROM group_requests AS r WHERE r.id = $id AND r.group_id = $g RETURNING id, group_id, user_id, message, created_at",
                ReadRequest, ("$id", requestId), ("$g", groupId));
            if (request is null) return Errors.NotFound;
            return SqliteOutbox.Commit(db.EventHeads, c, tx, request, events);
        }, cancellationToken);

    public ValueTask<Committed<GroupRecord>> InviteAsync(GroupRecord group, long userId, long inviterId, DateTimeOffset now,
        EventsFor<GroupRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync((c, tx) =>
        {
            c.Execute(tx, "INSERT OR REPLACE INTO group_invitations (group_id, user_id, inviter_id, created_at) VALUES ($g, $u, $i, $t)",
                ("$g", group.Id), ("$u", userId), ("$i", inviterId), ("$t", now.ToUnixMs()));
            return SqliteOutbox.Commit(db.EventHeads, c, tx, group, events);
        }, cancellationToken);

    public ValueTask<bool> IsInvitedAsync(long groupId, long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Scalar(null, "SELECT EXISTS (SELECT 1 FROM group_invitations WHERE group_id = $g AND user_id = $u)",
            ("$g", groupId), ("$u", userId)) == 1, cancellationToken);

    // --- Rows ------------------------------------------------------------------------------------------

    /// <summary>not_found or group_dissolved for a group a write could not change.</summary>
    /// <summary>Marks the group dissolved and removes its members, requests and invitations; the former members.</summary>
    private static List<long> EndGroup(SqliteConnection c, SqliteTransaction tx, long groupId)
    {
        c.Execute(tx, "UPDATE chat_groups SET dissolved = 1, member_count = 0, members_version = members_version + 1 WHERE id = $g", ("$g", groupId));
        var former = c.Query(tx, "DELETE FROM group_members WHERE group_id = $g RETURNING user_id", r => r.GetInt64(0), ("$g", groupId));
        c.Execute(tx, "DELETE FROM group_requests WHERE group_id = $g", ("$g", groupId));
        c.Execute(tx, "DELETE FROM group_invitations WHERE group_id = $g", ("$g", groupId));
        return former;
    }

    private static Error Missing(SqliteConnection c, SqliteTransaction tx, long groupId) =>
        Group(c, tx, groupId) is null ? Errors.NotFound : Errors.GroupDissolved;

    /// <summary>Whether the account exists and has not been deleted.</summary>
    private static bool IsLive(SqliteConnection c, SqliteTransaction tx, long userId) =>
        c.Scalar(tx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $u AND deleted_at IS NULL)", ("$u", userId)) == 1;

    private static GroupRecord? Group(SqliteConnection c, SqliteTransaction? tx, long groupId) =>
        c.QuerySingle(tx, $"SELECT {GroupColumns} FROM chat_groups g WHERE g.id = $g", r => ReadGroup(r, 0), ("$g", groupId));

    private static MemberRecord? Member(SqliteConnection c, SqliteTransaction? tx, long groupId, long userId) =>
        c.QuerySingle(tx, $"SELECT {MemberColumns} FROM group_members m WHERE m.group_id = $g AND m.user_id = $u", r => ReadMember(r, 0), ("$g", groupId), ("$u", userId));

    private static GroupMembership? Membership(SqliteConnection c, SqliteTransaction tx, long groupId, long userId) =>
        Group(c, tx, groupId) is { } g && Member(c, tx, groupId, userId) is { } m ? new GroupMembership(g, m) : null;

    private static GroupMessageRecord? Sent(SqliteConnection c, SqliteTransaction? tx, long groupId, long senderId, string clientId) =>
        c.QuerySingle(tx, $"SELECT {MessageColumns} FROM group_messages x WHERE x.group_id = $g AND x.sender_id = $s AND x.client_id = $c",
            r => ReadMessage(r, 0), ("$g", groupId), ("$s", senderId), ("$c", clientId));

    private static GroupRecord ReadGroup(SqliteDataReader r, int i) => new(
        r.GetInt64(i), r.GetString(i + 1), r.GetString(i + 2), r.GetString(i + 3), r.GetString(i + 4), (GroupJoinPolicy)r.GetInt32(i + 5),
        r.GetInt64(i + 6) != 0, r.GetInt64(i + 7), r.GetInt32(i + 8), r.FromUnixMs(i + 9), r.GetInt64(i + 10) != 0, r.GetInt64(i + 11), r.GetInt64(i + 12));

    private static MemberRecord ReadMember(SqliteDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), (GroupRole)r.GetInt32(i + 2), r.NullableString(i + 3), r.IsDBNull(i + 4) ? null : r.FromUnixMs(i + 4),
        (GroupNotify)r.GetInt32(i + 5), r.FromUnixMs(i + 6), r.GetInt64(i + 7), r.GetInt64(i + 8));

    private static GroupMessageRecord ReadMessage(SqliteDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), r.GetInt64(i + 2), r.GetInt64(i + 3), r.GetString(i + 4), r.NullableString(i + 5), r.FromUnixMs(i + 6),
        r.IsDBNull(i + 7) ? null : r.FromUnixMs(i + 7), GroupMessageRecord.DecodeMentions(r.GetString(i + 8)), r.GetInt64(i + 9) != 0,
        AttachmentJson.Read(r.NullableString(i + 10)));

    private static GroupJoinRequest ReadRequest(SqliteDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.FromUnixMs(4));
}
