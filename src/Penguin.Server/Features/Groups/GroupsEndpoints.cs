using Penguin.Core.Groups;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Groups;

/// <summary>Groups over REST: the group, its members and their roles, requests and invitations, settings, history and read counts.</summary>
public static class GroupsEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/groups").RequireSession();

        api.MapPost("", async (CreateGroupRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
        {
            var created = await groups.CreateAsync(caller.UserId, body, cancellationToken);
            return created.IsOk ? Results.Json(created.Value, Json.GroupSummary, statusCode: StatusCodes.Status201Created) : Fail(created.Error);
        });

        api.MapGet("", async (Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            Ok(new GroupList(await groups.ListMineAsync(caller.UserId, cancellationToken)), Json.GroupList));

        api.MapGet("/{id:long}", async (long id, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.GetAsync(id, cancellationToken), Json.GroupInfo));

        api.MapPatch("/{id:long}", async (long id, UpdateGroupRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.UpdateAsync(caller.UserId, id, body, cancellationToken), Json.GroupInfo));

        api.MapDelete("/{id:long}", async (long id, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.DissolveAsync(caller.UserId, id, cancellationToken)));

        api.MapGet("/{id:long}/members", async (long id, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.ListMembersAsync(caller.UserId, id, cancellationToken), m => new GroupMemberList(m), Json.GroupMemberList));

        api.MapDelete("/{id:long}/members/{number:long}", async (long id, long number, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.KickAsync(caller.UserId, id, number, cancellationToken)));

        api.MapPut("/{id:long}/members/{number:long}/mute", async (long id, long number, MuteMemberRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.MuteAsync(caller.UserId, id, number, body.Minutes, cancellationToken), Json.GroupMember));

        api.MapPut("/{id:long}/mute-all", async (long id, MuteAllRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.MuteAllAsync(caller.UserId, id, body.Muted, cancellationToken), Json.GroupInfo));

        api.MapPut("/{id:long}/admins/{number:long}", async (long id, long number, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.SetAdminAsync(caller.UserId, id, number, admin: true, cancellationToken), Json.GroupMember));

        api.MapDelete("/{id:long}/admins/{number:long}", async (long id, long number, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.SetAdminAsync(caller.UserId, id, number, admin: false, cancellationToken), Json.GroupMember));

        api.MapPost("/{id:long}/transfer", async (long id, TransferGroupRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.TransferAsync(caller.UserId, id, body.To, cancellationToken)));

        api.MapPost("/{id:long}/join", async (long id, JoinGroupRequest? body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.JoinAsync(caller.UserId, id, body?.Message, cancellationToken), Json.GroupJoinOutcome));

        api.MapPost("/{id:long}/leave", async (long id, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.LeaveAsync(caller.UserId, id, cancellationToken)));

        api.MapGet("/{id:long}/requests", async (long id, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.ListJoinRequestsAsync(caller.UserId, id, cancellationToken), r => new GroupJoinRequestList(r), Json.GroupJoinRequestList));

        api.MapPost("/{id:long}/requests/{requestId:long}/approve", async (long id, long requestId, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.ApproveAsync(caller.UserId, id, requestId, cancellationToken), Json.GroupSummary));

        api.MapPost("/{id:long}/requests/{requestId:long}/refuse", async (long id, long requestId, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.RefuseAsync(caller.UserId, id, requestId, cancellationToken)));

        api.MapPost("/{id:long}/invitations", async (long id, InviteToGroupRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            NoContent(await groups.InviteAsync(caller.UserId, id, body.Number, cancellationToken)));

        api.MapPut("/{id:long}/card", async (long id, GroupCardRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.SetCardAsync(caller.UserId, id, body.Card, cancellationToken), Json.GroupMember));

        api.MapPut("/{id:long}/notify", async (long id, GroupNotifyRequest body, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.SetNotifyAsync(caller.UserId, id, body.Notify, cancellationToken), Json.GroupMember));

        api.MapGet("/{id:long}/messages", async (long id, long? before, long? after, int? limit, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.HistoryAsync(caller.UserId, id, before, after, limit, cancellationToken), Json.GroupMessagePage));

        api.MapGet("/{id:long}/messages/{seq:long}/reads", async (long id, long seq, Caller caller, GroupService groups, CancellationToken cancellationToken) =>
            From(await groups.ReadCountAsync(caller.UserId, id, seq, cancellationToken), Json.GroupReadCount));
    }

    private static IResult NoContent(Penguin.Core.Common.Result<bool> result) => result.IsOk ? Results.NoContent() : Fail(result.Error);
}
