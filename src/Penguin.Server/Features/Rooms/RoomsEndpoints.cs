using Penguin.Core.Rooms;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Rooms;

/// <summary>Chat rooms over REST: the directory, creating a room, its moderators, kicks and bans. Entering and speaking are on /ws.</summary>
public static class RoomsEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapRoomsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/rooms").RequireSession();

        api.MapPost("", async (CreateRoomRequest body, Caller caller, RoomService rooms, CancellationToken cancellationToken) =>
        {
            var created = await rooms.CreateAsync(caller.UserId, body, cancellationToken);
            return created.IsOk ? Results.Json(created.Value.ToWire(0), Json.RoomInfo, statusCode: StatusCodes.Status201Created) : Fail(created.Error);
        });

        // People are counted on every node (RoomHub.CountsAsync): one query for the whole directory page.
        api.MapGet("", async (string? topic, RoomService rooms, RoomHub hub, CancellationToken cancellationToken) =>
        {
            var listed = await rooms.ListAsync(topic, cancellationToken);
            if (!listed.IsOk) return Fail(listed.Error);
            var people = await hub.CountsAsync([.. listed.Value.Select(r => r.Id)], cancellationToken);
            return Results.Json(new RoomList([.. listed.Value.Select(r => r.ToWire(people.GetValueOrDefault(r.Id)))]), Json.RoomList);
        });

        api.MapGet("/{id:long}", async (long id, RoomService rooms, RoomHub hub, CancellationToken cancellationToken) =>
        {
            var room = await rooms.GetAsync(id, cancellationToken);
            if (!room.IsOk) return Fail(room.Error);
            var people = await hub.CountsAsync([id], cancellationToken);
            return Results.Json(room.Value.ToWire(people.GetValueOrDefault(id)), Json.RoomInfo);
        });

        api.MapGet("/{id:long}/moderators", async (long id, RoomService rooms, CancellationToken cancellationToken) =>
            From(await rooms.ModeratorsAsync(id, cancellationToken), m => new RoomModeratorList(m), Json.RoomModeratorList));

        api.MapPut("/{id:long}/moderators/{number:long}", async (long id, long number, Caller caller, RoomService rooms, CancellationToken cancellationToken) =>
            From(await rooms.SetModeratorAsync(caller.UserId, id, number, moderator: true, cancellationToken), m => new RoomModeratorList(m), Json.RoomModeratorList));

        api.MapDelete("/{id:long}/moderators/{number:long}", async (long id, long number, Caller caller, RoomService rooms, CancellationToken cancellationToken) =>
            From(await rooms.SetModeratorAsync(caller.UserId, id, number, moderator: false, cancellationToken), m => new RoomModeratorList(m), Json.RoomModeratorList));

        api.MapPost("/{id:long}/kick/{number:long}", async (long id, long number, Caller caller, RoomHub hub, CancellationToken cancellationToken) =>
            NoContent(await hub.KickAsync(caller.UserId, id, number, cancellationToken)));

        api.MapGet("/{id:long}/bans", async (long id, Caller caller, RoomService rooms, CancellationToken cancellationToken) =>
            From(await rooms.BansAsync(caller.UserId, id, cancellationToken), b => new RoomBanList(b), Json.RoomBanList));

        api.MapPut("/{id:long}/bans/{number:long}", async (long id, long number, Caller caller, RoomHub hub, CancellationToken cancellationToken) =>
            NoContent(await hub.BanAsync(caller.UserId, id, number, cancellationToken)));

        api.MapDelete("/{id:long}/bans/{number:long}", async (long id, long number, Caller caller, RoomService rooms, CancellationToken cancellationToken) =>
            NoContent(await rooms.UnbanAsync(caller.UserId, id, number, cancellationToken)));
    }

    private static IResult NoContent(Penguin.Core.Common.Result<bool> result) => result.IsOk ? Results.NoContent() : Fail(result.Error);
}
