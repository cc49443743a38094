using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Presence;
using Penguin.Protocol;

namespace Penguin.Core.Social;

/// <summary>
/// The buddy list: finding people, friend requests, buddy groups, remarks and blocks.
/// Each command checks (validate, authorize), then the store changes state and appends events in one
/// transaction, then the events are published.
/// </summary>
public sealed class SocialService(
    IAccountStore accounts,
    ISocialStore social,
    PresenceService presence,
    EventPublisher publisher,
    TimeProvider time)
{
    public async ValueTask<Result<Profile>> GetProfileAsync(long viewerId, long number, CancellationToken cancellationToken = default)
    {
        var user = await accounts.GetUserAsync(number, cancellationToken);
        if (user is null) return Errors.NotFound;
        if (number == viewerId) return user.FullProfile;
        var relation = await social.GetRelationAsync(viewerId, number, cancellationToken);
        return user.ProfileFor(relation.Friends);
    }

    /// <summary>
    /// By account number (all digits) or by part of a nickname. Users who block the viewer are still found,
    /// as <see cref="GetProfileAsync"/> would show them: hiding them would reveal the block.
    /// </summary>
    public async ValueTask<Result<Profile[]>> SearchAsync(long viewerId, string? query, CancellationToken cancellationToken = default)
    {
        query = query?.Trim();
        if (string.IsNullOrEmpty(query) || Validation.TextLength(query) > Limits.SearchQueryMaxLength || Validation.HasControl(query))
            return Errors.InvalidField.With("Search for 1 to 24 characters without control characters.", "请输入 1 到 24 个字符进行搜索，且不能包含控制字符。");

        var found = new List<UserRecord>();
        if (long.TryParse(query, out var number) && await accounts.GetUserAsync(number, cancellationToken) is { } exact)
            found.Add(exact);
        foreach (var user in await accounts.SearchByNicknameAsync(query, Limits.SearchResultsMax, cancellationToken))
            if (user.Number != number) found.Add(user);

        var friends = (await social.GetFriendIdsAsync(viewerId, cancellationToken)).ToHashSet();
        return found.Take(Limits.SearchResultsMax)
            .Select(u => u.ProfileFor(u.Number == viewerId || friends.Contains(u.Number)))
            .ToArray();
    }

    public async ValueTask<BuddyList> GetBuddyListAsync(long userId, CancellationToken cancellationToken = default)
    {
        var groups = await social.GetGroupsAsync(userId, cancellationToken);
        var entries = await social.GetFriendsAsync(userId, cancellationToken);
        var users = (await accounts.GetUsersAsync([.. entries.Select(e => e.FriendId)], cancellationToken)).ToDictionary(u => u.Number);
        var friends = new List<Friend>(entries.Count);
        foreach (var entry in entries)
        {
            if (!users.TryGetValue(entry.FriendId, out var user)) continue;
            friends.Add(new Friend(user.FullProfile, entry.GroupId, await presence.GetVisibleAsync(entry.FriendId, cancellationToken), entry.Remark));
        }
        return new BuddyList(groups, [.. friends]);
    }

    public async ValueTask<Result<FriendRequestOutcome>> SendRequestAsync(long fromId, SendFriendRequest request, CancellationToken cancellationToken = default)
    {
        if (Validation.Text(request.Message, Limits.FriendRequestMessageMaxLength, "message") is { } badMessage) return badMessage;
        if (request.To == fromId) return Errors.BadRequest.With("You cannot add yourself.", "不能添加自己为好友。");
        var target = await accounts.GetUserAsync(request.To, cancellationToken);
        if (target is null) return Errors.NotFound;

        var relation = await social.GetRelationAsync(fromId, request.To, cancellationToken);
        if (relation.Friends) return Errors.AlreadyFriends;
        if (relation.Blocking) return Errors.Forbidden.With("Unblock this user first.", "请先将对方移出黑名单。");
        // A blocked sender hears the same answer as one refused by policy: a block is never revealed.
        if (relation.BlockedBy || target.Settings.AddPolicy == AddPolicy.Nobody) return Errors.NotAccepting;
        if (await FriendLimitAsync(fromId, request.To, cancellationToken) is { } full) return full;

        var fromGroup = await OwnGroupOrDefaultAsync(fromId, request.GroupId, cancellationToken);
        if (!fromGroup.IsOk) return fromGroup.Error;
        var message = request.Message?.Trim() ?? "";
        var users = await PairAsync(fromId, request.To, cancellationToken);

        // They asked first: my request answers theirs.
        if (await social.FindPendingRequestAsync(request.To, fromId, cancellationToken) is { } theirs)
        {
            var accepted = await AcceptAsync(theirs, fromGroup.Value, users, cancellationToken);
            return accepted.IsOk ? new FriendRequestOutcome(FriendRequestState.Accepted, accepted.Value) : accepted.Error;
        }
        if (target.Settings.AddPolicy == AddPolicy.Anyone)
        {
            var added = await social.AddFriendsAsync(fromId, request.To, message, fromGroup.Value, time.GetUtcNow(), FriendshipEvents(users), cancellationToken);
            if (!added.IsOk) return added.Error; // one of the two deleted their account since the look above
            var friendship = await publisher.PublishAsync(added.Value);
            await TellEachOtherAsync(fromId, request.To, CancellationToken.None); // committed: the new friends see each other whatever the caller does
            return new FriendRequestOutcome(FriendRequestState.Accepted, View(friendship.Request, users));
        }

        var pending = await social.UpsertPendingRequestAsync(fromId, request.To, message, fromGroup.Value, time.GetUtcNow(), r =>
            [new EventDraft(fromId, new FriendRequested(View(r, users))), new EventDraft(request.To, new FriendRequested(View(r, users)))], cancellationToken);
        return new FriendRequestOutcome(FriendRequestState.Pending, View(await publisher.PublishAsync(pending), users));
    }

    public async ValueTask<Result<FriendRequest>> AcceptRequestAsync(long userId, long requestId, long? groupId, CancellationToken cancellationToken = default)
    {
        var request = await social.GetRequestAsync(requestId, cancellationToken);
        // Only the receiver may answer; to anyone else the request does not exist.
        if (request is null || request.ToId != userId) return Errors.NotFound;
        if (request.State != FriendRequestState.Pending) return Errors.RequestClosed;
        if (await accounts.GetUserAsync(request.FromId, cancellationToken) is null) return Errors.NotFound; // the sender deleted their account (checked again as written)
        if (await FriendLimitAsync(request.FromId, request.ToId, cancellationToken) is { } full) return full;
        var group = await OwnGroupOrDefaultAsync(userId, groupId, cancellationToken);
        if (!group.IsOk) return group.Error;
        return await AcceptAsync(request, group.Value, await PairAsync(request.FromId, request.ToId, cancellationToken), cancellationToken);
    }

    public async ValueTask<Result<FriendRequest>> DeclineRequestAsync(long userId, long requestId, CancellationToken cancellationToken = default)
    {
        var request = await social.GetRequestAsync(requestId, cancellationToken);
        if (request is null || request.ToId != userId) return Errors.NotFound;
        var committed = await social.DeclineRequestAsync(requestId, time.GetUtcNow(), r =>
        [
            new EventDraft(r.FromId, new FriendRequestDeclined(r.Id, r.ToId)),
            new EventDraft(r.ToId, new FriendRequestDeclined(r.Id, r.ToId)),
        ], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        return View(await publisher.PublishAsync(committed.Value), await PairAsync(request.FromId, request.ToId, cancellationToken));
    }

    public async ValueTask<FriendRequestList> ListRequestsAsync(long userId, CancellationToken cancellationToken = default)
    {
        var pending = await social.ListPendingRequestsAsync(userId, cancellationToken);
        var incoming = new List<FriendRequest>();
        var outgoing = new List<FriendRequest>();
        foreach (var r in pending)
            (r.ToId == userId ? incoming : outgoing).Add(View(r, await PairAsync(r.FromId, r.ToId, cancellationToken)));
        return new FriendRequestList([.. incoming], [.. outgoing]);
    }

    public async ValueTask<Result<FriendEntry>> UpdateFriendAsync(long userId, long friendId, UpdateFriendRequest change, CancellationToken cancellationToken = default)
    {
        if (Validation.Text(change.Remark, Limits.RemarkMaxLength, "remark") is { } badRemark) return badRemark;
        var committed = await social.UpdateFriendAsync(userId, friendId, change.GroupId, change.Remark?.Trim(), f =>
            [new EventDraft(userId, new FriendUpdated(f.FriendId, f.GroupId, f.Remark))], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        return await publisher.PublishAsync(committed.Value);
    }

    public async ValueTask<Result<bool>> RemoveFriendAsync(long userId, long friendId, CancellationToken cancellationToken = default)
    {
        var committed = await social.RemoveFriendAsync(userId, friendId, _ =>
            [new EventDraft(userId, new FriendRemoved(friendId)), new EventDraft(friendId, new FriendRemoved(userId))], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        return await publisher.PublishAsync(committed.Value);
    }

    public ValueTask<BuddyGroup[]> GetGroupsAsync(long userId, CancellationToken cancellationToken = default) => social.GetGroupsAsync(userId, cancellationToken);

    public async ValueTask<Result<BuddyGroup[]>> CreateGroupAsync(long userId, string? name, CancellationToken cancellationToken = default)
    {
        if (GroupName(name) is { } bad) return bad;
        return await PublishAsync(await social.CreateGroupAsync(userId, name!.Trim(), GroupsChanged(userId), cancellationToken), cancellationToken);
    }

    public async ValueTask<Result<BuddyGroup[]>> RenameGroupAsync(long userId, long groupId, string? name, CancellationToken cancellationToken = default)
    {
        if (GroupName(name) is { } bad) return bad;
        return await PublishAsync(await social.RenameGroupAsync(userId, groupId, name!.Trim(), GroupsChanged(userId), cancellationToken), cancellationToken);
    }

    public async ValueTask<Result<BuddyGroup[]>> ReorderGroupsAsync(long userId, long[]? ids, CancellationToken cancellationToken = default) =>
        ids is null ? Errors.BadRequest : await PublishAsync(await social.ReorderGroupsAsync(userId, ids, GroupsChanged(userId), cancellationToken), cancellationToken);

    public async ValueTask<Result<BuddyGroup[]>> DeleteGroupAsync(long userId, long groupId, CancellationToken cancellationToken = default)
    {
        var committed = await social.DeleteGroupAsync(userId, groupId, d =>
            d.MovedFriends.Select(f => new EventDraft(userId, new FriendUpdated(f.FriendId, f.GroupId, f.Remark)))
                .Append(new EventDraft(userId, new BuddyGroupsChanged(d.Groups))), cancellationToken);
        if (!committed.IsOk) return committed.Error;
        return (await publisher.PublishAsync(committed.Value)).Groups;
    }

    public ValueTask<long[]> GetBlockedAsync(long userId, CancellationToken cancellationToken = default) => social.GetBlockedAsync(userId, cancellationToken);

    public async ValueTask<Result<long[]>> BlockAsync(long userId, long otherId, CancellationToken cancellationToken = default)
    {
        if (otherId == userId) return Errors.BadRequest.With("You cannot block yourself.", "不能将自己加入黑名单。");
        if (await accounts.GetUserAsync(otherId, cancellationToken) is null) return Errors.NotFound;
        var committed = await social.BlockAsync(userId, otherId, time.GetUtcNow(), change =>
        {
            var events = new List<EventDraft> { new(userId, new BlocksChanged(change.Blocked)) };
            if (change.WereFriends)
                events.AddRange([new(userId, new FriendRemoved(otherId)), new(otherId, new FriendRemoved(userId))]);
            foreach (var r in change.ClosedRequests)
                events.AddRange([new(r.FromId, new FriendRequestDeclined(r.Id, userId)), new(r.ToId, new FriendRequestDeclined(r.Id, userId))]);
            return events;
        }, cancellationToken);
        return (await publisher.PublishAsync(committed)).Blocked;
    }

    public async ValueTask<long[]> UnblockAsync(long userId, long otherId, CancellationToken cancellationToken = default) =>
        await publisher.PublishAsync(await social.UnblockAsync(userId, otherId, b => [new EventDraft(userId, new BlocksChanged(b))], cancellationToken));

    private async ValueTask<Result<FriendRequest>> AcceptAsync(FriendRequestRecord request, long toGroupId, IReadOnlyDictionary<long, UserRecord> users, CancellationToken cancellationToken = default)
    {
        var committed = await social.AcceptRequestAsync(request.Id, toGroupId, time.GetUtcNow(), FriendshipEvents(users), cancellationToken);
        if (!committed.IsOk) return committed.Error;
        var friendship = await publisher.PublishAsync(committed.Value);
        await TellEachOtherAsync(request.FromId, request.ToId, CancellationToken.None); // committed: the new friends see each other whatever the caller does
        return View(friendship.Request, users);
    }

    private static EventsFor<Friendship> FriendshipEvents(IReadOnlyDictionary<long, UserRecord> users) => f =>
    [
        new EventDraft(f.Request.FromId, new FriendAdded(users[f.Request.ToId].FullProfile, f.FromSide.GroupId, f.FromSide.Remark)),
        new EventDraft(f.Request.ToId, new FriendAdded(users[f.Request.FromId].FullProfile, f.ToSide.GroupId, f.ToSide.Remark)),
    ];

    private async ValueTask TellEachOtherAsync(long a, long b, CancellationToken cancellationToken = default)
    {
        await presence.TellAsync(a, [b], cancellationToken);
        await presence.TellAsync(b, [a], cancellationToken);
    }

    private async ValueTask<IReadOnlyDictionary<long, UserRecord>> PairAsync(long a, long b, CancellationToken cancellationToken = default) =>
        (await accounts.GetUsersAsync([a, b], cancellationToken)).ToDictionary(u => u.Number);

    /// <summary>Requests show each side as a stranger would see it: they are not friends yet.</summary>
    private static FriendRequest View(FriendRequestRecord r, IReadOnlyDictionary<long, UserRecord> users) =>
        new(r.Id, users[r.FromId].StrangerProfile, users[r.ToId].StrangerProfile, r.Message, r.State, r.CreatedAt);

    private async ValueTask<Result<long>> OwnGroupOrDefaultAsync(long userId, long? groupId, CancellationToken cancellationToken = default)
    {
        var groups = await social.GetGroupsAsync(userId, cancellationToken);
        if (groupId is null) return groups.First(g => g.IsDefault).Id;
        return groups.Any(g => g.Id == groupId) ? groupId.Value : Errors.NotFound.With("No such buddy group.", "分组不存在。");
    }

    /// <summary>Friendship is mutual, so both sides must have room: said early, before a request is filed; the store checks again in the write.</summary>
    private async ValueTask<Error?> FriendLimitAsync(long a, long b, CancellationToken cancellationToken = default)
    {
        foreach (var id in new[] { a, b })
            if ((await social.GetFriendIdsAsync(id, cancellationToken)).Length >= Limits.MaxFriends)
                return ISocialStore.FriendListFull;
        return null;
    }

    private static Error? GroupName(string? name) =>
        name is null ? Errors.BadRequest : Validation.Text(name, Limits.BuddyGroupNameMaxLength, "name", allowEmpty: false);

    private static EventsFor<BuddyGroup[]> GroupsChanged(long userId) => groups => [new EventDraft(userId, new BuddyGroupsChanged(groups))];

    private async ValueTask<Result<BuddyGroup[]>> PublishAsync(Result<Committed<BuddyGroup[]>> committed, CancellationToken cancellationToken = default) =>
        committed.IsOk ? await publisher.PublishAsync(committed.Value) : committed.Error;
}
