using System.Globalization;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Core.Rooms;

/// <summary>
/// Chat rooms (聊天室): the rules of creating, listing, moderating, entering and speaking, and the room's stored
/// state (moderators, bans, last messages). Who is inside a room is the server's (per connection, per node); it
/// asks here whether a user may enter, speak or put someone out, and the answer is checked before anything changes.
/// </summary>
public sealed class RoomService(IRoomStore rooms, IAccountStore accounts, TimeProvider time, RoomsOptions options)
{
    private readonly FixedWindowThrottle _sendRate = new(options.SendsPerSecond, TimeSpan.FromSeconds(1), time);

    public async ValueTask<Result<RoomRecord>> CreateAsync(long userId, CreateRoomRequest request, CancellationToken cancellationToken = default)
    {
        if (CheckName(request.Name) is { } badName) return badName;
        if (CheckTopic(request.Topic) is { } badTopic) return badTopic;
        var created = await rooms.CreateAsync(request.Name.Trim(), request.Topic.Trim(), userId, time.GetUtcNow(), Limits.MaxRoomsCreatedPerUser, cancellationToken);
        if (!created.IsOk && created.Error.Code == Errors.LimitReached.Code)
            return Errors.LimitReached.With($"You have created {Limits.MaxRoomsCreatedPerUser} rooms already.", $"你已创建 {Limits.MaxRoomsCreatedPerUser} 个聊天室。");
        return created;
    }

    public async ValueTask<Result<RoomRecord>> GetAsync(long roomId, CancellationToken cancellationToken = default) =>
        await rooms.GetAsync(roomId, cancellationToken) is { } room ? room : UnknownRoom;

    /// <summary>The directory: every room, or the rooms of one topic.</summary>
    public async ValueTask<Result<RoomRecord[]>> ListAsync(string? topic, CancellationToken cancellationToken = default)
    {
        if (topic is not null && CheckTopic(topic) is { } badTopic) return badTopic;
        return (await rooms.ListAsync(topic?.Trim(), Limits.RoomDirectoryMax, cancellationToken)).ToArray();
    }

    /// <summary>The creator first, then the appointed moderators.</summary>
    public async ValueTask<Result<long[]>> ModeratorsAsync(long roomId, CancellationToken cancellationToken = default)
    {
        if (await rooms.GetAsync(roomId, cancellationToken) is not { } room) return UnknownRoom;
        return new[] { room.CreatorId }.Concat(await rooms.ListModeratorsAsync(roomId, cancellationToken)).ToArray();
    }

    /// <summary>Only the creator appoints and removes moderators; the creator stays one.</summary>
    public async ValueTask<Result<long[]>> SetModeratorAsync(long userId, long roomId, long target, bool moderator, CancellationToken cancellationToken = default)
    {
        if (await rooms.GetAsync(roomId, cancellationToken) is not { } room) return UnknownRoom;
        if (room.CreatorId != userId)
            return Errors.Forbidden.With("Only the room's creator appoints and removes moderators.", "只有聊天室的创建者可以任免管理员。");
        if (target == room.CreatorId) return Errors.BadRequest.With("The creator is always a moderator.", "创建者始终是管理员。");
        if (moderator && await accounts.GetUserAsync(target, cancellationToken) is null) return UnknownUser;
        await rooms.SetModeratorAsync(roomId, target, moderator, time.GetUtcNow(), cancellationToken);
        return await ModeratorsAsync(roomId, cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="userId"/> may put <paramref name="target"/> out of the room (kick or ban): moderators
    /// may, but nobody puts out the creator or themselves, and only the creator puts out another moderator.
    /// </summary>
    public async ValueTask<Result<RoomRecord>> CheckMayPutOutAsync(long userId, long roomId, long target, CancellationToken cancellationToken = default)
    {
        if (await rooms.GetAsync(roomId, cancellationToken) is not { } room) return UnknownRoom;
        var moderators = await rooms.ListModeratorsAsync(roomId, cancellationToken);
        if (userId != room.CreatorId && !moderators.Contains(userId))
            return Errors.Forbidden.With("Only the room's moderators kick and ban.", "只有聊天室管理员可以踢人和封禁。");
        if (target == userId) return Errors.BadRequest.With("You cannot kick or ban yourself; leave the room instead.", "不能踢出或封禁自己，请直接离开聊天室。");
        if (target == room.CreatorId) return Errors.Forbidden.With("The room's creator cannot be kicked or banned.", "不能踢出或封禁聊天室的创建者。");
        if (moderators.Contains(target) && userId != room.CreatorId)
            return Errors.Forbidden.With("Only the creator kicks or bans another moderator.", "只有创建者可以踢出或封禁其他管理员。");
        if (await accounts.GetUserAsync(target, cancellationToken) is null) return UnknownUser;
        return room;
    }

    /// <summary>Bans <paramref name="target"/> (checked with <see cref="CheckMayPutOutAsync"/>); a banned user cannot enter until the ban is lifted.</summary>
    public async ValueTask<Result<RoomRecord>> BanAsync(long userId, long roomId, long target, CancellationToken cancellationToken = default)
    {
        var may = await CheckMayPutOutAsync(userId, roomId, target, cancellationToken);
        if (!may.IsOk) return may;
        await rooms.SetBannedAsync(roomId, target, banned: true, userId, time.GetUtcNow(), cancellationToken);
        return may;
    }

    /// <summary>Any moderator lifts a ban.</summary>
    public async ValueTask<Result<bool>> UnbanAsync(long userId, long roomId, long target, CancellationToken cancellationToken = default)
    {
        var moderators = await ModeratorsAsync(roomId, cancellationToken);
        if (!moderators.IsOk) return moderators.Error;
        if (!moderators.Value.Contains(userId)) return Errors.Forbidden.With("Only the room's moderators lift bans.", "只有聊天室管理员可以解除封禁。");
        if (!await rooms.SetBannedAsync(roomId, target, banned: false, userId, time.GetUtcNow(), cancellationToken))
            return Errors.NotFound.With("This user is not banned from the room.", "该用户未被此聊天室封禁。");
        return true;
    }

    public async ValueTask<Result<long[]>> BansAsync(long userId, long roomId, CancellationToken cancellationToken = default)
    {
        var moderators = await ModeratorsAsync(roomId, cancellationToken);
        if (!moderators.IsOk) return moderators.Error;
        if (!moderators.Value.Contains(userId)) return Errors.Forbidden.With("Only the room's moderators see its bans.", "只有聊天室管理员可以查看封禁名单。");
        return (await rooms.ListBansAsync(roomId, cancellationToken)).ToArray();
    }

    /// <summary>Whether the user may enter: the room exists and they are not banned. Returns the room and its last messages.</summary>
    public async ValueTask<Result<(RoomRecord Room, IReadOnlyList<RoomMessageRecord> Recent)>> CheckEnterAsync(long userId, long roomId, CancellationToken cancellationToken = default)
    {
        if (await rooms.GetAsync(roomId, cancellationToken) is not { } room) return UnknownRoom;
        if (await rooms.IsBannedAsync(roomId, userId, cancellationToken)) return Errors.RoomBanned;
        return (room, await rooms.RecentAsync(roomId, Limits.RoomHistoryKept, cancellationToken));
    }

    /// <summary>Stores what a user inside the room says (the caller has checked that they are inside).</summary>
    public async ValueTask<Result<RoomMessageRecord>> SayAsync(long userId, long roomId, string? text, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > Limits.RoomMessageMaxLength || HasControlButLineBreaks(text) || !Validation.IsDisplayable(text))
            return Errors.InvalidMessage.With($"A room message must be 1 to {Limits.RoomMessageMaxLength} characters without control characters.",
                $"聊天室消息须为 1 到 {Limits.RoomMessageMaxLength} 个字符，且不能包含控制字符。");
        if (await rooms.IsBannedAsync(roomId, userId, cancellationToken)) return Errors.RoomBanned;
        if (!_sendRate.TryAcquire(userId.ToString(CultureInfo.InvariantCulture))) return Errors.RateLimited;
        return await rooms.AppendMessageAsync(roomId, userId, text, time.GetUtcNow(), Limits.RoomHistoryKept, cancellationToken);
    }

    private static readonly Error UnknownRoom = Errors.NotFound.With("There is no such room.", "没有这个聊天室。");

    private static readonly Error UnknownUser = Errors.NotFound.With("There is no user with this number.", "没有这个号码的用户。");

    private static Error? CheckName(string? name) =>
        name is null || Validation.Text(name, Limits.RoomNameMaxLength, "name", allowEmpty: false) is not null
            ? Errors.InvalidField.With($"A room's name must be 1 to {Limits.RoomNameMaxLength} characters without control characters.",
                $"聊天室名称须为 1 到 {Limits.RoomNameMaxLength} 个字符，且不能包含控制字符。")
            : null;

    private static Error? CheckTopic(string? topic) =>
        topic is null || Validation.Text(topic, Limits.RoomTopicMaxLength, "topic", allowEmpty: false) is not null
            ? Errors.InvalidField.With($"A room's topic must be 1 to {Limits.RoomTopicMaxLength} characters without control characters.",
                $"聊天室话题须为 1 到 {Limits.RoomTopicMaxLength} 个字符，且不能包含控制字符。")
            : null;

    private static bool HasControlButLineBreaks(string text)
    {
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t')) return true;
        return false;
    }
}
