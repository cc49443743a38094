using Penguin.Core.Social;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Social;

/// <summary>People, friend requests, the buddy list, buddy groups and blocks.</summary>
public static class SocialEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapSocialApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireSession();

        api.MapGet("/users/{number:long}", async (long number, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.GetProfileAsync(caller.UserId, number, cancellationToken), Json.Profile));

        api.MapGet("/users", async (string? q, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.SearchAsync(caller.UserId, q, cancellationToken), users => new UserList(users), Json.UserList));

        api.MapGet("/friends", async (Caller caller, SocialService social, CancellationToken cancellationToken) =>
            Ok(await social.GetBuddyListAsync(caller.UserId, cancellationToken), Json.BuddyList));

        api.MapPatch("/friends/{number:long}", async (long number, UpdateFriendRequest body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            await social.UpdateFriendAsync(caller.UserId, number, body, cancellationToken) is { IsOk: false } r ? Fail(r.Error) : Results.NoContent());

        api.MapDelete("/friends/{number:long}", async (long number, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            await social.RemoveFriendAsync(caller.UserId, number, cancellationToken) is { IsOk: false } r ? Fail(r.Error) : Results.NoContent());

        api.MapGet("/friend-requests", async (Caller caller, SocialService social, CancellationToken cancellationToken) =>
            Ok(await social.ListRequestsAsync(caller.UserId, cancellationToken), Json.FriendRequestList));

        api.MapPost("/friend-requests", async (SendFriendRequest body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.SendRequestAsync(caller.UserId, body, cancellationToken), Json.FriendRequestOutcome));

        api.MapPost("/friend-requests/{id:long}/accept", async (long id, AnswerFriendRequest? body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.AcceptRequestAsync(caller.UserId, id, body?.GroupId, cancellationToken), r => new FriendRequestOutcome(r.State, r), Json.FriendRequestOutcome));

        api.MapPost("/friend-requests/{id:long}/decline", async (long id, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.DeclineRequestAsync(caller.UserId, id, cancellationToken), r => new FriendRequestOutcome(r.State, r), Json.FriendRequestOutcome));

        api.MapGet("/buddy-groups", async (Caller caller, SocialService social, CancellationToken cancellationToken) =>
            Ok(new BuddyGroupList(await social.GetGroupsAsync(caller.UserId, cancellationToken)), Json.BuddyGroupList));

        api.MapPost("/buddy-groups", async (BuddyGroupName body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.CreateGroupAsync(caller.UserId, body.Name, cancellationToken), g => new BuddyGroupList(g), Json.BuddyGroupList));

        api.MapPatch("/buddy-groups/{id:long}", async (long id, BuddyGroupName body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.RenameGroupAsync(caller.UserId, id, body.Name, cancellationToken), g => new BuddyGroupList(g), Json.BuddyGroupList));

        api.MapDelete("/buddy-groups/{id:long}", async (long id, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.DeleteGroupAsync(caller.UserId, id, cancellationToken), g => new BuddyGroupList(g), Json.BuddyGroupList));

        api.MapPut("/buddy-groups/order", async (BuddyGroupOrder body, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.ReorderGroupsAsync(caller.UserId, body.Ids, cancellationToken), g => new BuddyGroupList(g), Json.BuddyGroupList));

        api.MapGet("/blocks", async (Caller caller, SocialService social, CancellationToken cancellationToken) =>
            Ok(new BlockList(await social.GetBlockedAsync(caller.UserId, cancellationToken)), Json.BlockList));

        api.MapPut("/blocks/{number:long}", async (long number, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            From(await social.BlockAsync(caller.UserId, number, cancellationToken), b => new BlockList(b), Json.BlockList));

        api.MapDelete("/blocks/{number:long}", async (long number, Caller caller, SocialService social, CancellationToken cancellationToken) =>
            Ok(new BlockList(await social.UnblockAsync(caller.UserId, number, cancellationToken)), Json.BlockList));
    }
}
