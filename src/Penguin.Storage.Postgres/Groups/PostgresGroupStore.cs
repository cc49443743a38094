using Npgsql;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Storage.Postgres;

/// <summary>
/// Groups in PostgreSQL. Writes that change a group or its members lock the group's row first (then users' rows,
/// through the outbox, in id order), so one group's sends and joins take turns on every node and the seqs have
/// no gaps; a check that fails returns before anything is written.
/// </summary>
public sealed class PostgresGroupStore(PostgresDatabase db) : IGroupStore
{
    private const string GroupColumns = "g.id, g.name, g.avatar, g.introduction, g.announcement, g.join_policy, g.mute_all, g.owner_id, g.member_count, g.created_at, g.dissolved, g.last_seq, g.members_version";
    private const string MemberColumns = "m.group_id, m.user_id, m.role, m.card, m.muted_until, m.notify, m.joined_at, m.joined_seq, m.read_seq";
    private const string MessageColumns = "x.id, x.group_id, x.sender_id, x.seq, x.client_id, x.body, x.sent_at, x.recalled_at, x.mentions, x.mention_all, x.attachment";
    private const string RequestColumns = "r.id, r.group_id, r.user_id, r.message, r.created_at";

    public ValueTask<Result<Committed<GroupMembership>>> CreateAsync(NewGroup group, EventsFor<GroupMembership> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupMembership>>>(async (c, tx) =>
        {
            // Every membership of a user is written under their row lock, so the count is the one this insert follows.
            await c.LockUsersAsync(tx, group.OwnerId);
            if (await InTooManyGroupsAsync(c, tx, group.OwnerId)) return Errors.LimitReached;
            var id = (await c.ScalarAsync(tx, """
                INSERT INTO chat_groups (name, avatar, introduction, join_policy, owner_id, member_count, created_at, members_version)
                VALUES (@n, @a, @i, @p, @o, 1, @t, 1) RETURNING id
                """, ("n", group.Name), ("a", group.Avatar), ("i", group.Introduction), ("p", (short)group.JoinPolicy), ("o", group.OwnerId),
                ("t", group.CreatedAt.Utc())))!.Value;
            await c.ExecuteAsync(tx, "INSERT INTO group_members (group_id, user_id, role, joined_at, joined_seq, read_seq) VALUES (@g, @u, @r, @t, 0, 0)",
                ("g", id), ("u", group.OwnerId), ("r", (short)GroupRole.Owner), ("t", group.CreatedAt.Utc()));
            return await PostgresOutbox.CommitAsync(c, tx, (await MembershipAsync(c, tx, id, group.OwnerId))!, events);
        }, cancellationToken);

    public ValueTask<GroupRecord?> GetAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => GroupAsync(c, null, groupId), cancellationToken);

    public ValueTask<MemberRecord?> GetMemberAsync(long groupId, long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => MemberAsync(c, null, groupId, userId), cancellationToken);

    public ValueTask<IReadOnlyList<MemberRecord>> ListMembersAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<MemberRecord>>(async c => await c.QueryAsync(null,
            $"SELECT {MemberColumns} FROM group_members m WHERE m.group_id = @g ORDER BY m.role DESC, m.joined_at, m.user_id",
            r => ReadMember(r, 0), ("g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupMembership>> ListForUserAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupMembership>>(async c => await c.QueryAsync(null, $"""
            SELECT {GroupColumns}, {MemberColumns} FROM group_members m JOIN chat_groups g ON g.id = m.group_id
            WHERE m.user_id = @u ORDER BY g.id
            """, r => new GroupMembership(ReadGroup(r, 0), ReadMember(r, 13)), ("u", userId)), cancellationToken);

    public ValueTask<Result<Committed<GroupRecord>>> UpdateGroupAsync(long groupId, Func<GroupRecord, Result<GroupRecord>> change, EventsFor<GroupRecord> events,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>(async (c, tx) =>
        {
            // Read with the row locked, so a concurrent update waits and then sees this one's result.
            if (await GroupAsync(c, tx, groupId, forUpdate: true) is not { Dissolved: false } current) return await MissingAsync(c, tx, groupId);
            var changed = change(current);
            if (!changed.IsOk) return changed.Error;
            var updated = changed.Value;
            await c.ExecuteAsync(tx, """
                UPDATE chat_groups SET name = @n, avatar = @a, introduction = @i, announcement = @an, join_policy = @p, mute_all = @m
                WHERE id = @g
                """, ("n", updated.Name), ("a", updated.Avatar), ("i", updated.Introduction), ("an", updated.Announcement),
                ("p", (short)updated.JoinPolicy), ("m", updated.MuteAll), ("g", groupId));
            return await PostgresOutbox.CommitAsync(c, tx, (await GroupAsync(c, tx, groupId))!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<MemberRecord>>> UpdateMemberAsync(long groupId, long userId, Func<MemberRecord, Result<MemberRecord>> change,
        EventsFor<MemberRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<MemberRecord>>>(async (c, tx) =>
        {
            // The group's row first, as a send takes it before the sender's member row; every change of a member takes
            // it, so the member read below is the latest and stays so until the commit.
            await GroupAsync(c, tx, groupId, forUpdate: true);
            if (await MemberAsync(c, tx, groupId, userId) is not { } current) return Errors.NotMember;
            var changed = change(current);
            if (!changed.IsOk) return changed.Error;
            var updated = changed.Value;
            await c.ExecuteAsync(tx, "UPDATE chat_groups SET members_version = members_version + 1 WHERE id = @g", ("g", groupId));
            await c.ExecuteAsync(tx, "UPDATE group_members SET role = @r, card = @c, muted_until = @mu, notify = @n WHERE group_id = @g AND user_id = @u",
                ("r", (short)updated.Role), ("c", updated.Card), ("mu", updated.MutedUntil?.Utc()), ("n", (short)updated.Notify),
                ("g", groupId), ("u", userId));
            return await PostgresOutbox.CommitAsync(c, tx, (await MemberAsync(c, tx, groupId, userId))!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupMembership>>> AddMemberAsync(long groupId, long userId, DateTimeOffset now, int maxMembers,
        EventsFor<GroupMembership> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupMembership>>>(async (c, tx) =>
        {
            var group = await GroupAsync(c, tx, groupId, forUpdate: true);
            if (group is null) return Errors.NotFound;
            if (group.Dissolved) return Errors.GroupDissolved;
            // The account's row is locked (with the events' other recipients, in id order, as the outbox would) before it
            // is checked: a deletion either committed before and is seen here, or waits and then finds the membership to end.
            var provisional = new GroupMembership(group, new MemberRecord(groupId, userId, GroupRole.Member, null, null, GroupNotify.Notify, now, group.LastSeq, group.LastSeq));
            await c.LockUsersAsync(tx, [userId, .. events(provisional).Select(d => d.UserId)]);
            if (!await IsLiveAsync(c, tx, userId)) return IAccountStore.AccountGone;
            if (await MemberAsync(c, tx, groupId, userId) is not null) return Errors.AlreadyMember;
            if (group.MemberCount >= maxMembers) return Errors.GroupFull;
            if (await InTooManyGroupsAsync(c, tx, userId)) return Errors.LimitReached;
            await c.ExecuteAsync(tx, "INSERT INTO group_members (group_id, user_id, role, joined_at, joined_seq, read_seq) VALUES (@g, @u, 0, @t, @s, @s)",
                ("g", groupId), ("u", userId), ("t", now.Utc()), ("s", group.LastSeq));
            await c.ExecuteAsync(tx, "UPDATE chat_groups SET member_count = member_count + 1, members_version = members_version + 1 WHERE id = @g", ("g", groupId));
            await c.ExecuteAsync(tx, "DELETE FROM group_invitations WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", userId));
            await c.ExecuteAsync(tx, "DELETE FROM group_requests WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", userId));
            return await PostgresOutbox.CommitAsync(c, tx, (await MembershipAsync(c, tx, groupId, userId))!, events);
        }, cancellationToken);

    private static async Task<bool> InTooManyGroupsAsync(NpgsqlConnection c, NpgsqlTransaction tx, long userId) =>
        await c.ScalarAsync(tx, "SELECT COUNT(*) FROM group_members WHERE user_id = @u", ("u", userId)) >= Limits.MaxGroupsPerUser;

    public ValueTask<Result<Committed<GroupRecord>>> RemoveMemberAsync(long groupId, long userId, EventsFor<GroupRecord> events, Func<MemberRecord, Error?>? check = null,
        CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>(async (c, tx) =>
        {
            // Under the group's lock, which every change of a member takes: the member read is the latest until the commit.
            await GroupAsync(c, tx, groupId, forUpdate: true);
            if (await MemberAsync(c, tx, groupId, userId) is not { } member) return Errors.NotMember;
            if (member.Role == GroupRole.Owner) return IGroupStore.OwnerStays;
            if (check?.Invoke(member) is { } refused) return refused;
            await c.ExecuteAsync(tx, "DELETE FROM group_members WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", userId));
            await c.ExecuteAsync(tx, "UPDATE chat_groups SET member_count = member_count - 1, members_version = members_version + 1 WHERE id = @g", ("g", groupId));
            return await PostgresOutbox.CommitAsync(c, tx, (await GroupAsync(c, tx, groupId))!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupDeparture>>> RemoveDeletedAsync(long groupId, long userId, EventsFor<GroupDeparture> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupDeparture>>>(async (c, tx) =>
        {
            // Under the group's lock, which every change of a member takes: the roles and members read are the latest until
            // the commit. An heir deleted meanwhile passes the group on at their own account's clean-up.
            if (await GroupAsync(c, tx, groupId, forUpdate: true) is not { Dissolved: false }) return await MissingAsync(c, tx, groupId);
            if (await MemberAsync(c, tx, groupId, userId) is not { } former) return Errors.NotMember;
            MemberRecord? heir = null;
            if (former.Role == GroupRole.Owner)
            {
                // The longest-standing admin, else the longest-standing member: the members' list order, deleted accounts passed over.
                heir = await c.QuerySingleAsync(tx, $"""
                    SELECT {MemberColumns} FROM group_members m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
                    WHERE m.group_id = @g AND m.user_id <> @u ORDER BY m.role DESC, m.joined_at, m.user_id LIMIT 1
                    """, r => ReadMember(r, 0), ("g", groupId), ("u", userId));
                if (heir is null)
                {
                    var all = await EndGroupAsync(c, tx, groupId);
                    return await PostgresOutbox.CommitAsync(c, tx, new GroupDeparture((await GroupAsync(c, tx, groupId))!, former, null, [.. all.Order()]), events);
                }
                await c.ExecuteAsync(tx, "UPDATE group_members SET role = 2 WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", heir.UserId));
                await c.ExecuteAsync(tx, "UPDATE chat_groups SET owner_id = @u WHERE id = @g", ("g", groupId), ("u", heir.UserId));
            }
            await c.ExecuteAsync(tx, "DELETE FROM group_members WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", userId));
            await c.ExecuteAsync(tx, "UPDATE chat_groups SET member_count = member_count - 1, members_version = members_version + 1 WHERE id = @g", ("g", groupId));
            var members = await c.QueryAsync(tx, "SELECT user_id FROM group_members WHERE group_id = @g ORDER BY user_id", r => r.GetInt64(0), ("g", groupId));
            return await PostgresOutbox.CommitAsync(c, tx,
                new GroupDeparture((await GroupAsync(c, tx, groupId))!, former, heir is null ? null : await MemberAsync(c, tx, groupId, heir.UserId), members), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupRecord>>> TransferAsync(long groupId, long fromId, long toId, EventsFor<GroupRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupRecord>>>(async (c, tx) =>
        {
            if (await GroupAsync(c, tx, groupId, forUpdate: true) is not { } group) return Errors.NotMember;
            if (await MemberAsync(c, tx, groupId, toId) is null || await MemberAsync(c, tx, groupId, fromId) is not { Role: GroupRole.Owner }) return Errors.NotMember;
            // The new owner's account locked before it is checked (see AddMemberAsync); the recipients with it, in id order.
            await c.LockUsersAsync(tx, [toId, .. events(group with { OwnerId = toId }).Select(d => d.UserId)]);
            if (!await IsLiveAsync(c, tx, toId)) return IAccountStore.AccountGone;
            await c.ExecuteAsync(tx, "UPDATE group_members SET role = 2 WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", toId));
            await c.ExecuteAsync(tx, "UPDATE group_members SET role = 1 WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", fromId));
            await c.ExecuteAsync(tx, "UPDATE chat_groups SET owner_id = @u, members_version = members_version + 1 WHERE id = @g", ("g", groupId), ("u", toId));
            return await PostgresOutbox.CommitAsync(c, tx, (await GroupAsync(c, tx, groupId))!, events);
        }, cancellationToken);

    public ValueTask<Result<Committed<IReadOnlyList<long>>>> DissolveAsync(long groupId, EventsFor<IReadOnlyList<long>> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<IReadOnlyList<long>>>>(async (c, tx) =>
        {
            // Under the group's lock, as every change of its members.
            if (await GroupAsync(c, tx, groupId, forUpdate: true) is not { Dissolved: false }) return await MissingAsync(c, tx, groupId);
            return await PostgresOutbox.CommitAsync<IReadOnlyList<long>>(c, tx, await EndGroupAsync(c, tx, groupId), events);
        }, cancellationToken);

    public ValueTask<Result<Committed<GroupSendOutcome>>> SendAsync(NewGroupMessage message, EventsFor<GroupMessageRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupSendOutcome>>>(async (c, tx) =>
        {
            // A retry usually finds its message without waiting for the group's lock; after the lock, look again.
            if (await SentAsync(c, tx, message.GroupId, message.SenderId, message.ClientId) is { } earlier) return Duplicate(earlier);
            var group = await GroupAsync(c, tx, message.GroupId, forUpdate: true);
            if (group is null) return Errors.NotFound;
            if (group.Dissolved) return Errors.GroupDissolved;
            if (await MemberAsync(c, tx, message.GroupId, message.SenderId) is null) return Errors.NotMember;
            if (await SentAsync(c, tx, message.GroupId, message.SenderId, message.ClientId) is { } raced) return Duplicate(raced);

            var sentAt = message.SentAt.Utc();
            var seq = (await c.ScalarAsync(tx, "UPDATE chat_groups SET last_seq = last_seq + 1 WHERE id = @g RETURNING last_seq", ("g", message.GroupId)))!.Value;
            var id = (await c.ScalarAsync(tx, """
                INSERT INTO group_messages (group_id, seq, sender_id, client_id, body, sent_at, mentions, mention_all, attachment, file_id)
                VALUES (@g, @seq, @s, @c, @b, @t, @m, @all, @a, @f) RETURNING id
                """, ("g", message.GroupId), ("seq", seq), ("s", message.SenderId), ("c", message.ClientId), ("b", message.Text),
                ("t", sentAt), ("m", message.Mentions), ("all", message.MentionAll),
                ("a", AttachmentJson.Write(message.Attachment)), ("f", message.Attachment?.FileId)))!.Value;
            // Writing a message means having read everything before it.
            await c.ExecuteAsync(tx, "UPDATE group_members SET read_seq = @seq WHERE group_id = @g AND user_id = @s", ("seq", seq), ("g", message.GroupId), ("s", message.SenderId));
            var record = new GroupMessageRecord(id, message.GroupId, message.SenderId, seq, message.ClientId, message.Text, sentAt, null, message.Mentions, message.MentionAll,
                message.Attachment);
            return new Committed<GroupSendOutcome>(new GroupSendOutcome(record, Duplicate: false, group.MembersVersion),
                await PostgresOutbox.AppendAsync(c, tx, events(record)));
        }, cancellationToken);

    private static Result<Committed<GroupSendOutcome>> Duplicate(GroupMessageRecord earlier) =>
        new Committed<GroupSendOutcome>(new GroupSendOutcome(earlier, Duplicate: true, 0), []);

    public ValueTask<GroupMessageRecord?> FindSentAsync(long groupId, long senderId, string clientId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => SentAsync(c, null, groupId, senderId, clientId), cancellationToken);

    public ValueTask<GroupMessageRecord?> GetMessageAsync(long groupId, long messageId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {MessageColumns} FROM group_messages x WHERE x.id = @id AND x.group_id = @g",
            r => ReadMessage(r, 0), ("id", messageId), ("g", groupId)), cancellationToken);

    public ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, """
            SELECT 1 FROM group_messages x JOIN group_members gm ON gm.group_id = x.group_id AND gm.user_id = @u
            WHERE x.file_id = @f AND x.recalled_at IS NULL AND x.seq > gm.joined_seq
            LIMIT 1
            """, ("f", fileId), ("u", userId)) is not null, cancellationToken);

    public ValueTask<Result<GroupMessageRecord>> RecallAsync(long groupId, long messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<GroupMessageRecord>>(async (c, tx) =>
        {
            var message = await c.QuerySingleAsync(tx, $"SELECT {MessageColumns} FROM group_messages x WHERE x.id = @id AND x.group_id = @g FOR UPDATE",
                r => ReadMessage(r, 0), ("id", messageId), ("g", groupId));
            if (message is null) return Errors.NotFound;
            if (message.RecalledAt is not null) return Errors.RequestClosed.With("The message was already recalled.", "该消息已撤回。");
            await c.ExecuteAsync(tx, "UPDATE group_messages SET body = NULL, attachment = NULL, file_id = NULL, recalled_at = @t WHERE id = @id", ("t", now.Utc()), ("id", messageId));
            return message with { Text = null, RecalledAt = now.Utc(), Attachment = null };
        }, cancellationToken);

    public ValueTask<Committed<long?>> MarkReadAsync(long groupId, long userId, long seq, EventsFor<long?> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var moved = await c.ScalarAsync(tx, """
                UPDATE group_members m SET read_seq = LEAST(@seq, g.last_seq)
                FROM chat_groups g
                WHERE g.id = m.group_id AND m.group_id = @g AND m.user_id = @u AND m.read_seq < LEAST(@seq, g.last_seq)
                RETURNING m.read_seq
                """, ("seq", seq), ("g", groupId), ("u", userId));
            return await PostgresOutbox.CommitAsync(c, tx, moved, events);
        }, cancellationToken);

    public ValueTask<IReadOnlyList<GroupMessageRecord>> HistoryAsync(long groupId, long afterSeq, long beforeSeq, int limit, bool oldestFirst, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupMessageRecord>>(async c => await c.QueryAsync(null, $"""
            SELECT {MessageColumns} FROM group_messages x
            WHERE x.group_id = @g AND x.seq > @after AND x.seq < @before
            ORDER BY x.seq {(oldestFirst ? "ASC" : "DESC")} LIMIT @n
            """, r => ReadMessage(r, 0), ("g", groupId), ("after", afterSeq), ("before", beforeSeq), ("n", limit)), cancellationToken);

    public ValueTask<GroupReadStats> ReadStatsAsync(long groupId, long seq, long senderId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => (await c.QueryAsync(null, """
            SELECT COUNT(*), COUNT(*) FILTER (WHERE read_seq >= @seq) FROM group_members
            WHERE group_id = @g AND user_id <> @s AND joined_seq < @seq
            """, r => new GroupReadStats((int)r.GetInt64(1), (int)r.GetInt64(0)), ("seq", seq), ("g", groupId), ("s", senderId)))[0], cancellationToken);

    public ValueTask<Committed<GroupJoinRequest>> RequestJoinAsync(long groupId, long userId, string message, DateTimeOffset now,
        EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var request = (await c.QuerySingleAsync(tx, """
                INSERT INTO group_requests AS r (group_id, user_id, message, created_at) VALUES (@g, @u, @m, @t)
                ON CONFLICT (group_id, user_id) DO UPDATE SET message = excluded.message
                RETURNING r.id, r.group_id, r.user_id, r.message, r.created_at
                """, ReadRequest, ("g", groupId), ("u", userId), ("m", message), ("t", now.Utc())))!;
            return await PostgresOutbox.CommitAsync(c, tx, request, events);
        }, cancellationToken);

    public ValueTask<GroupJoinRequest?> GetJoinRequestAsync(long groupId, long requestId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.id = @id AND r.group_id = @g",
            ReadRequest, ("id", requestId), ("g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsAsync(long groupId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupJoinRequest>>(async c => await c.QueryAsync(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.group_id = @g ORDER BY r.id",
            ReadRequest, ("g", groupId)), cancellationToken);

    public ValueTask<IReadOnlyList<GroupJoinRequest>> ListJoinRequestsOfAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<GroupJoinRequest>>(async c => await c.QueryAsync(null, $"SELECT {RequestColumns} FROM group_requests r WHERE r.user_id = @u ORDER BY r.id",
            ReadRequest, ("u", userId)), cancellationToken);

    public ValueTask<Result<Committed<GroupJoinRequest>>> RefuseJoinAsync(long groupId, long requestId, EventsFor<GroupJoinRequest> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync<Result<Committed<GroupJoinRequest>>>(async (c, tx) =>
        {
            var request = await c.QuerySingleAsync(tx, "DELETE FROM group_requests r WHERE r.id = @id AND r.group_id = @g RETURNING r.id, r.group_id, r.user_id, r.message, r.created_at",
                ReadRequest, ("id", requestId), ("g", groupId));
            if (request is null) return Errors.NotFound;
            return await PostgresOutbox.CommitAsync(c, tx, request, events);
        }, cancellationToken);

    public ValueTask<Committed<GroupRecord>> InviteAsync(GroupRecord group, long userId, long inviterId, DateTimeOffset now,
        EventsFor<GroupRecord> events, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(tx, """
                INSERT INTO group_invitations (group_id, user_id, inviter_id, created_at) VALUES (@g, @u, @i, @t)
                ON CONFLICT (group_id, user_id) DO UPDATE SET inviter_id = excluded.inviter_id, created_at = excluded.created_at
                """, ("g", group.Id), ("u", userId), ("i", inviterId), ("t", now.Utc()));
            return await PostgresOutbox.CommitAsync(c, tx, group, events);
        }, cancellationToken);

    public ValueTask<bool> IsInvitedAsync(long groupId, long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async c => await c.ScalarAsync(null, "SELECT 1 FROM group_invitations WHERE group_id = @g AND user_id = @u", ("g", groupId), ("u", userId)) is not null,
            cancellationToken);

    // --- Rows ------------------------------------------------------------------------------------------

    /// <summary>Marks the group dissolved and removes its members, requests and invitations; the former members.</summary>
    private static async Task<List<long>> EndGroupAsync(NpgsqlConnection c, NpgsqlTransaction tx, long groupId)
    {
        await c.ExecuteAsync(tx, "UPDATE chat_groups SET dissolved = true, member_count = 0, members_version = members_version + 1 WHERE id = @g", ("g", groupId));
        var former = await c.QueryAsync(tx, "DELETE FROM group_members WHERE group_id = @g RETURNING user_id", r => r.GetInt64(0), ("g", groupId));
        await c.ExecuteAsync(tx, "DELETE FROM group_requests WHERE group_id = @g", ("g", groupId));
        await c.ExecuteAsync(tx, "DELETE FROM group_invitations WHERE group_id = @g", ("g", groupId));
        return former;
    }

    private static async Task<Error> MissingAsync(NpgsqlConnection c, NpgsqlTransaction tx, long groupId) =>
        await GroupAsync(c, tx, groupId) is null ? Errors.NotFound : Errors.GroupDissolved;

    /// <summary>Whether the account exists and has not been deleted (its row locked by the caller, so it stays so until the commit).</summary>
    private static async Task<bool> IsLiveAsync(NpgsqlConnection c, NpgsqlTransaction tx, long userId) =>
        await c.ScalarAsync(tx, "SELECT 1 FROM users WHERE id = @u AND deleted_at IS NULL", ("u", userId)) is not null;

    private static Task<GroupRecord?> GroupAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long groupId, bool forUpdate = false) =>
        c.QuerySingleAsync(tx, $"SELECT {GroupColumns} FROM chat_groups g WHERE g.id = @g{(forUpdate ? " FOR UPDATE" : "")}", r => ReadGroup(r, 0), ("g", groupId));

    private static Task<MemberRecord?> MemberAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long groupId, long userId) =>
        c.QuerySingleAsync(tx, $"SELECT {MemberColumns} FROM group_members m WHERE m.group_id = @g AND m.user_id = @u", r => ReadMember(r, 0), ("g", groupId), ("u", userId));

    private static async Task<GroupMembership?> MembershipAsync(NpgsqlConnection c, NpgsqlTransaction tx, long groupId, long userId) =>
        await GroupAsync(c, tx, groupId) is { } g && await MemberAsync(c, tx, groupId, userId) is { } m ? new GroupMembership(g, m) : null;

    private static Task<GroupMessageRecord?> SentAsync(NpgsqlConnection c, NpgsqlTransaction? tx, long groupId, long senderId, string clientId) =>
        c.QuerySingleAsync(tx, $"SELECT {MessageColumns} FROM group_messages x WHERE x.group_id = @g AND x.sender_id = @s AND x.client_id = @c",
            r => ReadMessage(r, 0), ("g", groupId), ("s", senderId), ("c", clientId));

    private static GroupRecord ReadGroup(NpgsqlDataReader r, int i) => new(
        r.GetInt64(i), r.GetString(i + 1), r.GetString(i + 2), r.GetString(i + 3), r.GetString(i + 4), (GroupJoinPolicy)r.GetInt16(i + 5),
        r.GetBoolean(i + 6), r.GetInt64(i + 7), r.GetInt32(i + 8), r.Instant(i + 9), r.GetBoolean(i + 10), r.GetInt64(i + 11), r.GetInt64(i + 12));

    private static MemberRecord ReadMember(NpgsqlDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), (GroupRole)r.GetInt16(i + 2), r.NullableString(i + 3), r.IsDBNull(i + 4) ? null : r.Instant(i + 4),
        (GroupNotify)r.GetInt16(i + 5), r.Instant(i + 6), r.GetInt64(i + 7), r.GetInt64(i + 8));

    private static GroupMessageRecord ReadMessage(NpgsqlDataReader r, int i) => new(
        r.GetInt64(i), r.GetInt64(i + 1), r.GetInt64(i + 2), r.GetInt64(i + 3), r.GetString(i + 4), r.NullableString(i + 5), r.Instant(i + 6),
        r.IsDBNull(i + 7) ? null : r.Instant(i + 7), r.GetFieldValue<long[]>(i + 8), r.GetBoolean(i + 9),
        AttachmentJson.Read(r.NullableString(i + 10)));

    private static GroupJoinRequest ReadRequest(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.Instant(4));
}
