using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>
/// Groups (群): creation, membership, roles, mutes, settings, messages, mentions, read cursors and recall. Every
/// rule of who may do what is checked here (check), the store changes state with its events (do), and the events
/// and the live message frames go out after the commit (publish). A message frame is serialized once and the same
/// bytes go to every online member's devices.
/// </summary>
public sealed class GroupService(
    IGroupStore groups,
    IAccountStore accounts,
    ISocialStore social,
    EventPublisher publisher,
    IEventBus bus,
    TimeProvider time,
    GroupsOptions options,
    IAttachments? attachments = null)
{
    private readonly FixedWindowThrottle _sendRate = new(options.SendsPerSecond, TimeSpan.FromSeconds(1), time);

    // The audience of each group with recent traffic, by members version: a send costs no member query while
    // membership is unchanged. Bounded by the number of groups that exist.
    private readonly ConcurrentDictionary<long, GroupAudience> _audiences = new();

    private int MaxMembers => options.MaxMembers;

    // --- Groups ----------------------------------------------------------------------------------------

    public async ValueTask<Result<GroupSummary>> CreateAsync(long userId, CreateGroupRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Name is null || Validation.Text(request.Name, Limits.GroupNameMaxLength, "name", allowEmpty: false) is not null)
            return Errors.InvalidField.With($"'name' must be 1 to {Limits.GroupNameMaxLength} characters without control characters.",
                $"“name”须为 1 到 {Limits.GroupNameMaxLength} 个字符，且不能包含控制字符。");
        if (Validation.Text(request.Introduction, Limits.GroupIntroductionMaxLength, "introduction") is { } badIntro) return badIntro;
        if (request.Avatar is not null && !Avatars.IsKnown(request.Avatar))
            return Errors.InvalidField.With("Unknown avatar.", "未知的头像。");
        if (request.JoinPolicy is { } policy && !Enum.IsDefined(policy)) return Errors.InvalidField;
        var group = new NewGroup(userId, request.Name.Trim(), request.Avatar ?? Avatars.All[0], request.Introduction?.Trim() ?? "",
            request.JoinPolicy ?? GroupJoinPolicy.Approval, Now());
        var committed = await groups.CreateAsync(group, m => [new EventDraft(userId, new GroupJoined(Summary(m)))], cancellationToken);
        if (!committed.IsOk)
            return committed.Error.Code == Errors.LimitReached.Code
                ? Errors.LimitReached.With($"You are in {Limits.MaxGroupsPerUser} groups already.", $"你已加入 {Limits.MaxGroupsPerUser} 个群。")
                : committed.Error;
        return Summary(await publisher.PublishAsync(committed.Value));
    }

    /// <summary>A group's card: anyone logged in may see it (to decide whether to join).</summary>
    public async ValueTask<Result<GroupInfo>> GetAsync(long groupId, CancellationToken cancellationToken = default) =>
        await groups.GetAsync(groupId, cancellationToken) is { } group ? group.ToWire(MaxMembers) : Errors.NotFound;

    public async ValueTask<GroupSummary[]> ListMineAsync(long userId, CancellationToken cancellationToken = default) =>
        [.. (await groups.ListForUserAsync(userId, cancellationToken)).Select(Summary)];

    public async ValueTask<Result<GroupInfo>> UpdateAsync(long userId, long groupId, UpdateGroupRequest change, CancellationToken cancellationToken = default)
    {
        if (change.Name is not null && Validation.Text(change.Name, Limits.GroupNameMaxLength, "name", allowEmpty: false) is { } badName) return badName;
        if (Validation.Text(change.Introduction, Limits.GroupIntroductionMaxLength, "introduction") is { } badIntro) return badIntro;
        if (change.Announcement is not null && (change.Announcement.Length > Limits.GroupAnnouncementMaxLength || HasControlButLineBreaks(change.Announcement)))
            return Errors.InvalidField.With($"'announcement' must be at most {Limits.GroupAnnouncementMaxLength} characters without control characters.",
                $"“announcement”最多 {Limits.GroupAnnouncementMaxLength} 个字符，且不能包含控制字符。");
        if (change.JoinPolicy is { } policy && !Enum.IsDefined(policy)) return Errors.InvalidField;

        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        // Applied to the group as stored when written: fields the request leaves out keep what others set meanwhile.
        return await SaveGroupAsync(groupId, group =>
        {
            // A built-in avatar by name, or the one already set (an uploaded avatar sent back unchanged with the rest).
            if (change.Avatar is not null && !Avatars.IsKnown(change.Avatar) && change.Avatar != group.Avatar)
                return Errors.InvalidField.With("Unknown avatar; pick a built-in one or upload a picture (PUT /api/v1/groups/{id}/avatar).", "未知的头像，请选择内置头像或上传图片。");
            return group with
            {
                Name = change.Name?.Trim() ?? group.Name,
                Avatar = change.Avatar ?? group.Avatar,
                Introduction = change.Introduction?.Trim() ?? group.Introduction,
                Announcement = change.Announcement ?? group.Announcement,
                JoinPolicy = change.JoinPolicy ?? group.JoinPolicy,
            };
        }, cancellationToken);
    }

    /// <summary>
    /// An owner or administrator sets the group's avatar to one made from an upload: the place is checked first, then
    /// <paramref name="makeAvatar"/> makes and stores it (<see cref="Avatars.Uploaded"/>), then every member is told.
    /// </summary>
    public async ValueTask<Result<GroupInfo>> SetUploadedAvatarAsync(long userId, long groupId, Func<CancellationToken, ValueTask<Result<string>>> makeAvatar,
        CancellationToken cancellationToken = default)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var avatar = await makeAvatar(cancellationToken);
        if (!avatar.IsOk) return avatar.Error;
        if (Avatars.UploadedSha256(avatar.Value) is null) throw new InvalidOperationException("Not an uploaded avatar's name.");
        // Still an admin once the picture is made; the rest of the card is taken as it is when written.
        var again = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!again.IsOk) return again.Error;
        return await SaveGroupAsync(groupId, g => g with { Avatar = avatar.Value }, cancellationToken);
    }

    public async ValueTask<Result<GroupInfo>> MuteAllAsync(long userId, long groupId, bool muted, CancellationToken cancellationToken = default)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        return await SaveGroupAsync(groupId, g => g with { MuteAll = muted }, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the group as stored when written (so concurrent changes of other fields are
    /// kept) and tells every member (a few events per change, which is rare).
    /// </summary>
    private async ValueTask<Result<GroupInfo>> SaveGroupAsync(long groupId, Func<GroupRecord, Result<GroupRecord>> change, CancellationToken cancellationToken)
    {
        var members = await MemberIdsAsync(groupId, cancellationToken);
        var committed = await groups.UpdateGroupAsync(groupId, change, g => members.Select(id => new EventDraft(id, new GroupUpdated(g.ToWire(MaxMembers)))), cancellationToken);
        return committed.IsOk ? (await publisher.PublishAsync(committed.Value)).ToWire(MaxMembers) : committed.Error;
    }

    public async ValueTask<Result<bool>> TransferAsync(long userId, long groupId, long to, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (place.Value.Member.Role != GroupRole.Owner) return OwnerOnly;
        if (to == userId) return Errors.BadRequest.With("You already own this group.", "你已经是群主。");
        var target = await groups.GetMemberAsync(groupId, to, cancellationToken);
        if (target is null) return NotAMember;
        var members = await MemberIdsAsync(groupId, cancellationToken);
        var now = Now();
        var committed = await groups.TransferAsync(groupId, userId, to, g =>
        [
            .. members.Select(id => new EventDraft(id, new GroupUpdated(g.ToWire(MaxMembers)))),
            new EventDraft(to, new GroupMembershipChanged(groupId, (target with { Role = GroupRole.Owner }).ToWire(now), target.Notify)),
            new EventDraft(userId, new GroupMembershipChanged(groupId, (place.Value.Member with { Role = GroupRole.Admin }).ToWire(now), place.Value.Member.Notify)),
        ], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        await publisher.PublishAsync(committed.Value);
        return true;
    }

    public async ValueTask<Result<bool>> DissolveAsync(long userId, long groupId, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (place.Value.Member.Role != GroupRole.Owner) return OwnerOnly;
        var committed = await groups.DissolveAsync(groupId, former => former.Select(id => new EventDraft(id, new GroupLeft(groupId, GroupLeaveReason.Dissolved))), cancellationToken);
        if (!committed.IsOk) return committed.Error;
        _audiences.TryRemove(groupId, out _);
        await publisher.PublishAsync(committed.Value);
        return true;
    }

    /// <summary>
    /// Takes a deleted account out of each of its groups (<see cref="IGroupStore.RemoveDeletedAsync"/>), after it was marked
    /// deleted so that it joins nothing more: from a group it owns, ownership passes to the longest-standing admin, else
    /// member, with the events of a transfer (<c>group.updated</c> to every member, <c>group.membership</c> to the new
    /// owner); a group it owned alone is dissolved; elsewhere it leaves (<c>group.member.left</c>).
    /// </summary>
    public async ValueTask LeaveAllOfDeletedAsync(long userId, CancellationToken cancellationToken = default)
    {
        // Its join requests are withdrawn: out of every admin's inbox, as if answered.
        foreach (var request in await groups.ListJoinRequestsOfAsync(userId, cancellationToken))
        {
            var handled = await HandledAsync(request.GroupId, request.Id, userId, approved: false, cancellationToken);
            var withdrawn = await groups.RefuseJoinAsync(request.GroupId, request.Id, _ => handled, cancellationToken);
            if (withdrawn.IsOk) await publisher.PublishAsync(withdrawn.Value);
        }
        foreach (var place in await groups.ListForUserAsync(userId, cancellationToken))
        {
            var groupId = place.Group.Id;
            var now = Now();
            var committed = await groups.RemoveDeletedAsync(groupId, userId, d => DepartureEvents(d, now), cancellationToken);
            if (!committed.IsOk) continue; // it left, or the group was dissolved, meanwhile
            var departure = await publisher.PublishAsync(committed.Value);
            if (departure.Group.Dissolved)
            {
                _audiences.TryRemove(groupId, out _);
                continue;
            }
            await TellMembersAsync(departure.Group, new GroupMemberLeft(groupId, userId, GroupLeaveReason.Left), cancellationToken);
            if (departure.NewOwner is { } owner) await TellMembersAsync(departure.Group, new GroupMemberChanged(groupId, owner.ToWire(now)), cancellationToken);
        }
    }

    private IEnumerable<EventDraft> DepartureEvents(GroupDeparture d, DateTimeOffset now)
    {
        var groupId = d.Group.Id;
        if (d.Group.Dissolved) return d.Members.Select(id => new EventDraft(id, new GroupLeft(groupId, GroupLeaveReason.Dissolved)));
        var events = new List<EventDraft> { new(d.Former.UserId, new GroupLeft(groupId, GroupLeaveReason.Left)) };
        if (d.NewOwner is { } heir)
        {
            // As for a transfer: every member sees the new owner on the card, the new owner their new role.
            events.AddRange(d.Members.Select(id => new EventDraft(id, new GroupUpdated(d.Group.ToWire(MaxMembers)))));
            events.Add(new EventDraft(heir.UserId, new GroupMembershipChanged(groupId, heir.ToWire(now), heir.Notify)));
        }
        return events;
    }

    // --- Membership ------------------------------------------------------------------------------------

    public async ValueTask<Result<GroupMember[]>> ListMembersAsync(long userId, long groupId, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var now = Now();
        return (await groups.ListMembersAsync(groupId, cancellationToken)).Select(m => m.ToWire(now)).ToArray();
    }

    /// <summary>
    /// Joins at once (open group, or invited), or files a request the admins answer (approval). A group by
    /// invitation only refuses anyone not invited.
    /// </summary>
    public async ValueTask<Result<GroupJoinOutcome>> JoinAsync(long userId, long groupId, string? message, CancellationToken cancellationToken = default)
    {
        if (Validation.Text(message, Limits.GroupJoinMessageMaxLength, "message") is { } badMessage) return badMessage;
        var group = await groups.GetAsync(groupId, cancellationToken);
        if (group is null) return Errors.NotFound;
        if (group.Dissolved) return Errors.GroupDissolved;
        if (await groups.GetMemberAsync(groupId, userId, cancellationToken) is not null) return Errors.AlreadyMember;
        var invited = await groups.IsInvitedAsync(groupId, userId, cancellationToken);
        if (invited || group.JoinPolicy == GroupJoinPolicy.Open)
        {
            var joined = await AddMemberAsync(groupId, userId, cancellationToken);
            return joined.IsOk ? new GroupJoinOutcome(GroupJoinState.Joined, joined.Value) : joined.Error;
        }
        if (group.JoinPolicy == GroupJoinPolicy.Invite)
            return Errors.Forbidden.With("This group accepts members by invitation only.", "该群仅限邀请加入。");
        if (group.MemberCount >= MaxMembers) return GroupFull();

        var admins = (await groups.ListMembersAsync(groupId, cancellationToken)).Where(m => m.IsAdmin).Select(m => m.UserId).ToArray();
        var committed = await groups.RequestJoinAsync(groupId, userId, message?.Trim() ?? "", Now(),
            r => admins.Select(id => new EventDraft(id, new GroupJoinRequested(r))), cancellationToken);
        return new GroupJoinOutcome(GroupJoinState.Pending, Request: await publisher.PublishAsync(committed));
    }

    public async ValueTask<Result<GroupJoinRequest[]>> ListJoinRequestsAsync(long userId, long groupId, CancellationToken cancellationToken = default)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        return (await groups.ListJoinRequestsAsync(groupId, cancellationToken)).ToArray();
    }

    public async ValueTask<Result<GroupSummary>> ApproveAsync(long userId, long groupId, long requestId, CancellationToken cancellationToken = default)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var request = await groups.GetJoinRequestAsync(groupId, requestId, cancellationToken);
        if (request is null) return Errors.NotFound;
        var handled = await HandledAsync(groupId, requestId, userId, approved: true, cancellationToken);
        return await AddMemberAsync(groupId, request.From, cancellationToken, handled);
    }

    /// <summary>The event that takes an answered request out of every admin's inbox (the one who answered included).</summary>
    private async ValueTask<EventDraft[]> HandledAsync(long groupId, long requestId, long by, bool approved, CancellationToken cancellationToken) =>
        [.. (await groups.ListMembersAsync(groupId, cancellationToken)).Where(m => m.IsAdmin)
            .Select(m => new EventDraft(m.UserId, new GroupJoinRequestHandled(groupId, requestId, by, approved)))];

    public async ValueTask<Result<bool>> RefuseAsync(long userId, long groupId, long requestId, CancellationToken cancellationToken = default)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var handled = await HandledAsync(groupId, requestId, userId, approved: false, cancellationToken);
        var committed = await groups.RefuseJoinAsync(groupId, requestId, r => [new EventDraft(r.From, new GroupJoinRefused(groupId, r.Id)), .. handled], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        await publisher.PublishAsync(committed.Value);
        return true;
    }

    /// <summary>A member invites a friend; the friend joins with <see cref="JoinAsync"/> whatever the join policy.</summary>
    public async ValueTask<Result<bool>> InviteAsync(long userId, long groupId, long number, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (number == userId || await accounts.GetUserAsync(number, cancellationToken) is null) return Errors.NotFound;
        if (!(await social.GetRelationAsync(userId, number, cancellationToken)).Friends) return Errors.NotFriends;
        if (await groups.GetMemberAsync(groupId, number, cancellationToken) is not null) return Errors.AlreadyMember;
        var group = place.Value.Group;
        var committed = await groups.InviteAsync(group, number, userId, Now(),
            g => [new EventDraft(number, new GroupInvited(g.ToWire(MaxMembers), userId))], cancellationToken);
        await publisher.PublishAsync(committed);
        return true;
    }

    private async ValueTask<Result<GroupSummary>> AddMemberAsync(long groupId, long userId, CancellationToken cancellationToken, EventDraft[]? also = null)
    {
        var committed = await groups.AddMemberAsync(groupId, userId, Now(), MaxMembers, m => [new EventDraft(userId, new GroupJoined(Summary(m))), .. also ?? []], cancellationToken);
        if (!committed.IsOk)
            return committed.Error.Code == Errors.GroupFull.Code ? GroupFull()
                : committed.Error.Code == Errors.LimitReached.Code
                    ? Errors.LimitReached.With($"That user is in {Limits.MaxGroupsPerUser} groups already.", $"该用户已加入 {Limits.MaxGroupsPerUser} 个群。")
                    : committed.Error;
        var joined = await publisher.PublishAsync(committed.Value);
        await TellMembersAsync(joined.Group, new GroupMemberChanged(groupId, joined.Member.ToWire(Now())), cancellationToken);
        return Summary(joined);
    }

    public async ValueTask<Result<bool>> LeaveAsync(long userId, long groupId, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (place.Value.Member.Role == GroupRole.Owner)
            return Errors.Forbidden.With("The owner cannot leave: transfer the group or dissolve it.", "群主不能退群：请先转让或解散该群。");
        // The store refuses the owner again as written: an admin made the owner by a transfer since this check stays.
        return await RemoveAsync(groupId, userId, GroupLeaveReason.Left, cancellationToken);
    }

    public async ValueTask<Result<bool>> KickAsync(long userId, long groupId, long number, CancellationToken cancellationToken = default)
    {
        var target = await TargetAsync(userId, groupId, number, cancellationToken);
        if (!target.IsOk) return target.Error;
        var checkedRole = target.Value.Role;
        return await RemoveAsync(groupId, number, GroupLeaveReason.Kicked, cancellationToken, m => RoseSince(m, checkedRole));
    }

    private async ValueTask<Result<bool>> RemoveAsync(long groupId, long userId, GroupLeaveReason reason, CancellationToken cancellationToken,
        Func<MemberRecord, Error?>? check = null)
    {
        var committed = await groups.RemoveMemberAsync(groupId, userId, _ => [new EventDraft(userId, new GroupLeft(groupId, reason))], check, cancellationToken);
        if (!committed.IsOk) return committed.Error;
        await publisher.PublishAsync(committed.Value);
        if (await groups.GetAsync(groupId, cancellationToken) is { } group) await TellMembersAsync(group, new GroupMemberLeft(groupId, userId, reason), cancellationToken);
        return true;
    }

    /// <summary>
    /// Live to the members' connected devices, like <c>group.message</c> (ephemeral, a group they block excepted): who
    /// joined, left or changed, so a member list or an XMPP room's occupants stay current.
    /// </summary>
    private async ValueTask TellMembersAsync(GroupRecord group, ServerFrame frame, CancellationToken cancellationToken)
    {
        var audience = await AudienceAsync(group.Id, group.MembersVersion, cancellationToken);
        await bus.PublishAsync(audience.Live, new Delivery(JsonSerializer.SerializeToUtf8Bytes(frame, PenguinJson.Wire.ServerFrame)), CancellationToken.None);
    }

    /// <summary>Mutes a member for <paramref name="minutes"/> (0 lifts it): admins mute members, the owner also admins.</summary>
    public async ValueTask<Result<GroupMember>> MuteAsync(long userId, long groupId, long number, int minutes, CancellationToken cancellationToken = default)
    {
        if (minutes < 0 || minutes > Limits.GroupMuteMaxMinutes)
            return Errors.InvalidField.With($"'minutes' must be 0 to {Limits.GroupMuteMaxMinutes}.", $"“minutes”须为 0 到 {Limits.GroupMuteMaxMinutes}。");
        var target = await TargetAsync(userId, groupId, number, cancellationToken);
        if (!target.IsOk) return target.Error;
        var now = Now();
        var checkedRole = target.Value.Role;
        return await SaveMemberAsync(groupId, number, m => RoseSince(m, checkedRole) is { } refused
            ? refused
            : m with { MutedUntil = minutes == 0 ? null : now.AddMinutes(minutes) }, cancellationToken);
    }

    /// <summary>The owner appoints (<paramref name="admin"/>) or removes an admin.</summary>
    public async ValueTask<Result<GroupMember>> SetAdminAsync(long userId, long groupId, long number, bool admin, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (place.Value.Member.Role != GroupRole.Owner) return OwnerOnly;
        if (number == userId) return OwnerRoleFixed;
        // The role is set on the member as stored when written: one who became the owner meanwhile (a transfer) stays it.
        var saved = await SaveMemberAsync(groupId, number, m => m.Role == GroupRole.Owner
            ? OwnerRoleFixed
            : m with { Role = admin ? GroupRole.Admin : GroupRole.Member }, cancellationToken);
        return saved.IsOk || saved.Error.Code != Errors.NotMember.Code ? saved : NotAMember;
    }

    /// <summary>Sets the caller's own card name (群名片); empty clears it.</summary>
    public async ValueTask<Result<GroupMember>> SetCardAsync(long userId, long groupId, string? card, CancellationToken cancellationToken = default)
    {
        card = string.IsNullOrWhiteSpace(card) ? null : card.Trim();
        if (Validation.Text(card, Limits.GroupCardMaxLength, "card") is { } badCard) return badCard;
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        return await SaveMemberAsync(groupId, userId, m => m with { Card = card }, cancellationToken);
    }

    public async ValueTask<Result<GroupMember>> SetNotifyAsync(long userId, long groupId, GroupNotify notify, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(notify)) return Errors.InvalidField;
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        return await SaveMemberAsync(groupId, userId, m => m with { Notify = notify }, cancellationToken, tellMembers: false);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the member as stored when written (a mute and a new card at the same time both
    /// hold); the others hear of it (<paramref name="tellMembers"/>) when it is a change they see (card, role, mute).
    /// </summary>
    private async ValueTask<Result<GroupMember>> SaveMemberAsync(long groupId, long userId, Func<MemberRecord, Result<MemberRecord>> change,
        CancellationToken cancellationToken, bool tellMembers = true)
    {
        var now = Now();
        var committed = await groups.UpdateMemberAsync(groupId, userId, change,
            m => [new EventDraft(m.UserId, new GroupMembershipChanged(m.GroupId, m.ToWire(now), m.Notify))], cancellationToken);
        if (!committed.IsOk) return committed.Error;
        var member = (await publisher.PublishAsync(committed.Value)).ToWire(now);
        if (tellMembers && await groups.GetAsync(groupId, cancellationToken) is { } group)
            await TellMembersAsync(group, new GroupMemberChanged(groupId, member), cancellationToken);
        return member;
    }

    /// <summary>
    /// The member an admin acts on (kick, mute): admins act on members only, the owner on admins too; nobody on
    /// themselves or on the owner.
    /// </summary>
    /// <summary>
    /// A kick's or a mute's target checked again as written (<see cref="TargetAsync"/> checked it before): one made an admin
    /// (or the owner) since is not the caller's to act on.
    /// </summary>
    private static Error? RoseSince(MemberRecord asStored, GroupRole checkedRole) => asStored.Role > checkedRole ? OutOfRank : null;

    private async ValueTask<Result<MemberRecord>> TargetAsync(long userId, long groupId, long number, CancellationToken cancellationToken)
    {
        var place = await AdminOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        if (number == userId) return Errors.BadRequest.With("You cannot do this to yourself.", "不能对自己执行此操作。");
        var target = await groups.GetMemberAsync(groupId, number, cancellationToken);
        if (target is null) return NotAMember;
        if (target.Role >= place.Value.Member.Role)
            return OutOfRank;
        return target;
    }

    // --- Messages --------------------------------------------------------------------------------------

    public async ValueTask<Result<GroupSendOutcomeView>> SendAsync(long userId, SendGroupMessage send, CancellationToken cancellationToken = default)
    {
        // With a file the text is an optional caption, under the same rule as any text.
        if ((send.FileId is null || send.Text is not null) && InvalidText(send.Text) is { } badText) return badText;
        if (send.FileId is null && send.DurationMs is not null)
            return Errors.InvalidField.With("'durationMs' goes with a voice clip's 'fileId'.", "“durationMs”只能与语音的“fileId”一起使用。");
        if (string.IsNullOrWhiteSpace(send.ClientId) || send.ClientId.Length > Limits.ClientIdMaxLength)
            return Errors.InvalidField.With("'clientId' must be 1 to 64 characters.", "“clientId”须为 1 到 64 个字符。");
        var mentions = send.Mentions ?? [];
        if (mentions.Length > Limits.GroupMentionsMax)
            return Errors.InvalidField.With($"At most {Limits.GroupMentionsMax} mentions per message.", $"每条消息最多提及 {Limits.GroupMentionsMax} 人。");

        var place = await MemberOfAsync(userId, groupId: send.GroupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var (group, member) = place.Value;
        var now = Now();
        if (send.MentionAll && !member.IsAdmin)
            return Errors.Forbidden.With("Only the owner and admins may mention everyone.", "只有群主和管理员可以 @全体成员。");
        if (!member.IsAdmin && (group.MuteAll || member.IsMuted(now)))
            return await AnswerRetryAsync(userId, send, cancellationToken) ?? (group.MuteAll
                ? Errors.GroupMuted.With("Everyone is muted in this group.", "本群已开启全员禁言。")
                : Errors.GroupMuted);
        if (!_sendRate.TryAcquire(userId.ToString(CultureInfo.InvariantCulture)))
            return await AnswerRetryAsync(userId, send, cancellationToken) ?? Errors.RateLimited;

        Attachment? attachment = null;
        if (send.FileId is not null)
        {
            if (attachments is null) return Errors.BadRequest.With("This server does not carry files.", "此服务器不支持发送文件。");
            if (await AnswerRetryAsync(userId, send, cancellationToken) is { } retried) return retried;
            var attached = await attachments.AttachAsync(userId, send.FileId, send.DurationMs, cancellationToken);
            if (!attached.IsOk) return attached.Error;
            attachment = attached.Value;
        }

        // Only members can be mentioned (anyone else would learn of the group's traffic); the sender never is.
        var audience = await AudienceAsync(group.Id, group.MembersVersion, cancellationToken);
        long[] mentioned = [.. mentions.Distinct().Where(id => id != userId && audience.Members.Contains(id))];
        var sentAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var committed = await groups.SendAsync(new NewGroupMessage(group.Id, userId, send.ClientId, send.Text, mentioned, send.MentionAll, sentAt, attachment),
            m => m.Mentions.Select(id => new EventDraft(id, new GroupMentioned(m.GroupId, m.Id, m.Seq, m.SenderId))), cancellationToken);
        if (!committed.IsOk) return committed.Error;
        var outcome = committed.Value.Value;
        if (outcome.Duplicate) return AnswerRetry(outcome.Message, send);

        // Live: one frame, serialized once, to every device of every member that receives the group live.
        if (outcome.MembersVersion != audience.Version) audience = await AudienceAsync(group.Id, outcome.MembersVersion, cancellationToken);
        var frame = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new GroupMessageReceived(outcome.Message.ToWire()), PenguinJson.Wire.ServerFrame);
        await bus.PublishAsync(audience.Live, new Delivery(frame), CancellationToken.None);
        await publisher.PublishAsync(committed.Value.Events);
        return new GroupSendOutcomeView(outcome.Message.ToWire(), Duplicate: false);
    }

    private async ValueTask<Result<GroupSendOutcomeView>?> AnswerRetryAsync(long userId, SendGroupMessage send, CancellationToken cancellationToken) =>
        await groups.FindSentAsync(send.GroupId, userId, send.ClientId, cancellationToken) is { } earlier ? AnswerRetry(earlier, send) : (Result<GroupSendOutcomeView>?)null;

    private static Result<GroupSendOutcomeView> AnswerRetry(GroupMessageRecord earlier, SendGroupMessage send) =>
        (earlier.Text == send.Text && earlier.Attachment?.FileId == send.FileId) || earlier.RecalledAt is not null
            ? new GroupSendOutcomeView(earlier.ToWire(), Duplicate: true)
            : Errors.BadRequest.With("This clientId was already used for a different message.", "此 clientId 已用于另一条消息。");

    /// <summary>The sender recalls within the recall window; the owner and admins recall any message at any time.</summary>
    public async ValueTask<Result<bool>> RecallAsync(long userId, long groupId, long messageId, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var (group, member) = place.Value;
        var message = await groups.GetMessageAsync(groupId, messageId, cancellationToken);
        if (message is null || message.Seq <= member.JoinedSeq) return Errors.NotFound;
        if (message.RecalledAt is not null) return Errors.RequestClosed.With("The message was already recalled.", "该消息已撤回。");
        var now = Now();
        if (!member.IsAdmin)
        {
            if (message.SenderId != userId) return Errors.Forbidden.With("Only admins may recall others' messages.", "只有管理员可以撤回他人的消息。");
            if (now - message.SentAt > Limits.RecallWindow) return Errors.RecallExpired;
        }
        var recalled = await groups.RecallAsync(groupId, messageId, now, cancellationToken);
        if (!recalled.IsOk) return recalled.Error;
        var audience = await AudienceAsync(groupId, group.MembersVersion, cancellationToken);
        var frame = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new GroupMessageRecalled(groupId, messageId, message.Seq, userId), PenguinJson.Wire.ServerFrame);
        await bus.PublishAsync(audience.Live, new Delivery(frame), CancellationToken.None);
        return true;
    }

    public async ValueTask<Result<bool>> MarkReadAsync(long userId, long groupId, long seq, CancellationToken cancellationToken = default)
    {
        if (seq < 0) return Errors.InvalidField.With("'seq' must not be negative.", "“seq”不能为负数。");
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var committed = await groups.MarkReadAsync(groupId, userId, seq, r => r is { } readSeq ? [new EventDraft(userId, new GroupRead(groupId, readSeq))] : [], cancellationToken);
        await publisher.PublishAsync(committed.Events);
        return true;
    }

    /// <summary>
    /// A page of the group's history, for members only and only from when they joined: the newest before
    /// <paramref name="before"/>, or with <paramref name="after"/> the oldest after it (catching up). Oldest first.
    /// </summary>
    public async ValueTask<Result<GroupMessagePage>> HistoryAsync(long userId, long groupId, long? before, long? after, int? limit, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var size = Math.Clamp(limit ?? 50, 1, Limits.HistoryPageMax);
        var floor = Math.Max(after ?? 0, place.Value.Member.JoinedSeq);
        var page = await groups.HistoryAsync(groupId, floor, before ?? long.MaxValue, size + 1, oldestFirst: after is not null, cancellationToken);
        var shown = page.Take(size);
        return new GroupMessagePage([.. (after is null ? shown.Reverse() : shown).Select(m => m.ToWire())], page.Count > size);
    }

    public async ValueTask<Result<GroupReadCount>> ReadCountAsync(long userId, long groupId, long seq, CancellationToken cancellationToken = default)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        var (group, member) = place.Value;
        if (seq <= member.JoinedSeq || seq > group.LastSeq) return Errors.NotFound;
        var message = (await groups.HistoryAsync(groupId, seq - 1, seq + 1, 1, oldestFirst: true, cancellationToken)).SingleOrDefault();
        if (message is null) return Errors.NotFound;
        var stats = await groups.ReadStatsAsync(groupId, seq, message.SenderId, cancellationToken);
        return new GroupReadCount(seq, stats.Read, stats.Members);
    }

    // --- Helpers ---------------------------------------------------------------------------------------

    private static readonly Error OwnerOnly = Errors.Forbidden.With("Only the group owner may do this.", "只有群主可以执行此操作。");

    private static readonly Error OutOfRank = Errors.Forbidden.With("Admins act on members only; only the owner acts on admins.", "管理员只能管理普通成员；只有群主能管理管理员。");

    private static readonly Error OwnerRoleFixed = Errors.BadRequest.With("The owner's role cannot change this way; transfer the group.", "群主身份不能这样修改，请转让群。");

    private static readonly Error NotAMember = Errors.NotMember.With("That user is not a member of this group.", "该用户不是本群成员。");

    private Error GroupFull() => Errors.GroupFull.With($"The group has reached its limit of {MaxMembers} members.", $"该群人数已达上限（{MaxMembers} 人）。");

    /// <summary>The group and the user's membership: not_found, group_dissolved or not_member otherwise.</summary>
    private async ValueTask<Result<GroupMembership>> MemberOfAsync(long userId, long groupId, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(groupId, cancellationToken);
        if (group is null) return Errors.NotFound;
        if (group.Dissolved) return Errors.GroupDissolved;
        var member = await groups.GetMemberAsync(groupId, userId, cancellationToken);
        return member is null ? Errors.NotMember : new GroupMembership(group, member);
    }

    private async ValueTask<Result<GroupMembership>> AdminOfAsync(long userId, long groupId, CancellationToken cancellationToken)
    {
        var place = await MemberOfAsync(userId, groupId, cancellationToken);
        if (!place.IsOk) return place.Error;
        return place.Value.Member.IsAdmin ? place : Errors.Forbidden.With("Only the owner and admins may do this.", "只有群主和管理员可以执行此操作。");
    }

    private async ValueTask<long[]> MemberIdsAsync(long groupId, CancellationToken cancellationToken) =>
        [.. (await groups.ListMembersAsync(groupId, cancellationToken)).Select(m => m.UserId)];

    /// <summary>The group's audience as of <paramref name="version"/>: cached until membership or a notify setting changes.</summary>
    private async ValueTask<GroupAudience> AudienceAsync(long groupId, long version, CancellationToken cancellationToken)
    {
        if (_audiences.TryGetValue(groupId, out var cached) && cached.Version >= version) return cached;
        var group = await groups.GetAsync(groupId, cancellationToken);
        var members = await groups.ListMembersAsync(groupId, cancellationToken);
        // Read the version before the members: if it moved in between, the next send reads them again.
        var audience = new GroupAudience(group?.MembersVersion ?? version, [.. members.Select(m => m.UserId)],
            [.. members.Where(m => m.Notify != GroupNotify.Block).Select(m => m.UserId)]);
        _audiences[groupId] = audience;
        return audience;
    }

    private GroupSummary Summary(GroupMembership m) =>
        new(m.Group.ToWire(MaxMembers), m.Member.Role, m.Member.Notify, m.Member.JoinedSeq, m.Group.LastSeq, m.Member.ReadSeq,
            Math.Max(0, m.Group.LastSeq - m.Member.ReadSeq), m.Member.Card);

    private DateTimeOffset Now() => time.GetUtcNow();

    private static bool HasControlButLineBreaks(string text)
    {
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t')) return true;
        return false;
    }

    /// <summary>The same rule as one-to-one text: something visible, within the limit, no control characters but line breaks and tabs.</summary>
    private static Error? InvalidText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > Limits.MessageMaxLength || HasControlButLineBreaks(text)) return Errors.InvalidMessage;
        return Validation.IsDisplayable(text) ? null : Errors.InvalidMessage;
    }
}
