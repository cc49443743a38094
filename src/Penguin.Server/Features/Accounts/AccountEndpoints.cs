using Penguin.Core.Accounts;
using Microsoft.AspNetCore.Mvc;
using Penguin.Core.Bus;
using Penguin.Core.Groups;
using Penguin.Core.Social;
using Penguin.Protocol;
using Penguin.Server.Api;
using Penguin.Server.Ops;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Accounts;

/// <summary>Registration, login and device sessions, and the caller's own profile and settings.</summary>
public static class AccountEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");

        api.MapPost("/accounts", async (RegisterRequest body, AccountService accounts, PenguinMetrics metrics, HttpContext http, CancellationToken cancellationToken) =>
        {
            var result = await accounts.RegisterAsync(body.Nickname, body.Password, Address(http), cancellationToken);
            if (!result.IsOk) return Fail(result.Error);
            metrics.Registered();
            return Results.Json(new RegisterResponse(result.Value), Json.RegisterResponse, statusCode: StatusCodes.Status201Created);
        });

        api.MapPost("/sessions", async (LoginRequest body, AccountService accounts, PenguinMetrics metrics, IEventBus bus, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (!Enum.IsDefined(body.Device)) return Fail(Errors.InvalidField);
            var result = await accounts.LoginAsync(body.Number, body.Password, body.Device, body.DeviceName, Address(http), cancellationToken);
            metrics.LoggedIn(result.IsOk);
            // Sessions evicted beyond the per-account cap end where they are connected, as a logout does.
            if (result.IsOk)
                foreach (var id in result.Value.Evicted) await bus.PublishAsync(body.Number, Ended(id), CancellationToken.None);
            return From(result, r => new LoginResponse(r.Token, r.Session.Id, r.User.FullProfile), Json.LoginResponse);
        });

        api.MapGet("/avatars", () => Ok(new AvatarList(Avatars.All), Json.AvatarList));

        var me = app.MapGroup("/api/v1").RequireSession();

        me.MapGet("/sessions", async (Caller caller, AccountService accounts, CancellationToken cancellationToken) =>
        {
            var sessions = await accounts.ListSessionsAsync(caller.UserId, cancellationToken);
            return Ok(new SessionList([.. sessions.Select(s =>
                new DeviceSession(s.Id, s.Device, s.CreatedAt, s.LastSeenAt, s.Id == caller.Session.SessionId, s.DeviceName))]), Json.SessionList);
        });

        // Logging out ends the session everywhere it is connected, on whichever node.
        me.MapDelete("/sessions/{id:long}", async (long id, Caller caller, AccountService accounts, IEventBus bus, CancellationToken cancellationToken) =>
        {
            if (!await accounts.LogoutAsync(caller.UserId, id, cancellationToken)) return Fail(Errors.NotFound);
            await bus.PublishAsync(caller.UserId, Ended(id), CancellationToken.None); // logged out: end the device whatever the caller does
            return Results.NoContent();
        });

        me.MapDelete("/sessions/current", async (Caller caller, AccountService accounts, IEventBus bus, CancellationToken cancellationToken) =>
        {
            await accounts.LogoutAsync(caller.UserId, caller.Session.SessionId, cancellationToken);
            await bus.PublishAsync(caller.UserId, Ended(caller.Session.SessionId), CancellationToken.None);
            return Results.NoContent();
        });

        me.MapDelete("/sessions", async (Caller caller, AccountService accounts, IEventBus bus, CancellationToken cancellationToken) =>
        {
            foreach (var id in await accounts.LogoutAllAsync(caller.UserId, cancellationToken))
                await bus.PublishAsync(caller.UserId, Ended(id), CancellationToken.None); // logged out: end the device whatever the caller does
            return Results.NoContent();
        });

        me.MapGet("/me", async (Caller caller, AccountService accounts, CancellationToken cancellationToken) =>
            await accounts.GetUserAsync(caller.UserId, cancellationToken) is { } user
                ? Ok(new Me(user.FullProfile, user.Settings), Json.Me)
                : Fail(Errors.NotFound));

        me.MapPatch("/me/profile", async (UpdateProfileRequest body, Caller caller, AccountService accounts, CancellationToken cancellationToken) =>
            From(await accounts.UpdateProfileAsync(caller.UserId, body, cancellationToken), u => u.FullProfile, Json.Profile));

        me.MapPut("/me/settings", async (AccountSettings body, Caller caller, AccountService accounts, CancellationToken cancellationToken) =>
            From(await accounts.UpdateSettingsAsync(caller.UserId, body, cancellationToken), Json.AccountSettings));

        // Whoever knew the old password is logged out everywhere; the device that changed it stays.
        me.MapPut("/me/password", async (ChangePasswordRequest body, Caller caller, AccountService accounts, IEventBus bus, HttpContext http, CancellationToken cancellationToken) =>
        {
            var changed = await accounts.ChangePasswordAsync(caller.Session, body.CurrentPassword, body.NewPassword, Address(http), cancellationToken);
            if (!changed.IsOk) return Fail(changed.Error);
            foreach (var id in changed.Value) await bus.PublishAsync(caller.UserId, Ended(id), CancellationToken.None); // after the commit: never cancelled
            return Results.NoContent();
        });

        me.MapDelete("/me", async ([FromBody] DeleteAccountRequest body, Caller caller, AccountService accounts, SocialService social, GroupService groups, IEventBus bus,
            HttpContext http, CancellationToken cancellationToken) =>
        {
            if (await accounts.CheckPasswordAsync(caller.UserId, body.Password, Address(http), cancellationToken) is { } wrong) return Fail(wrong);
            await AccountClosure.CloseAsync(caller.UserId, accounts, social, groups, bus, Ended);
            return Results.NoContent();
        });
    }

    /// <summary>What ends a session's connections wherever they are (the bus carries it to every node): session_revoked, 4001.</summary>
    internal static Delivery Ended(long sessionId)
    {
        var e = Errors.SessionRevoked;
        var frame = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new SessionEnded(e.Code, e.Message, e.MessageZh), Json.ServerFrame);
        return new Delivery(frame, OnlySession: sessionId, EndSession: true);
    }

    private static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
