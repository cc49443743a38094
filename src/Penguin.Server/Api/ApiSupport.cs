using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Server.Api;

/// <summary>The authenticated caller of a REST endpoint, bound from the session the auth filter resolved.</summary>
public sealed record Caller(SessionContext Session)
{
    public long UserId => Session.UserId;

    // Minimal APIs bind parameters before endpoint filters run, so the session is resolved here too.
    public static async ValueTask<Caller?> BindAsync(HttpContext context) =>
        await ApiSupport.AuthenticateAsync(context) ?? throw new BadHttpRequestException("Log in first.", StatusCodes.Status401Unauthorized);
}

public static class ApiSupport
{
    /// <summary>Requires "Authorization: Bearer &lt;token&gt;" on every endpoint of the group.</summary>
    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            if (await AuthenticateAsync(context.HttpContext) is null) return Fail(NoSessionError(context.HttpContext));
            return await next(context);
        });
        return group;
    }

    /// <summary>The caller of the request from its bearer token, resolved once per request; null when there is none.</summary>
    internal static async ValueTask<Caller?> AuthenticateAsync(HttpContext http)
    {
        if (http.Items[typeof(Caller)] is Caller known) return known;
        var accounts = http.RequestServices.GetRequiredService<AccountService>();
        if (await accounts.AuthenticateAsync(BearerToken(http)) is not { } session) return null;
        var caller = new Caller(session);
        http.Items[typeof(Caller)] = caller;
        return caller;
    }

    private static string? BearerToken(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    private static Error NoSessionError(HttpContext http) => BearerToken(http) is null ? Errors.NotAuthenticated : Errors.InvalidToken;

    public static IResult Ok<T>(T value, JsonTypeInfo<T> type) => Results.Json(value, type);

    public static IResult From<T>(Result<T> result, JsonTypeInfo<T> type) =>
        result.IsOk ? Results.Json(result.Value, type) : Fail(result.Error);

    public static IResult From<T, TOut>(Result<T> result, Func<T, TOut> map, JsonTypeInfo<TOut> type) =>
        result.IsOk ? Results.Json(map(result.Value), type) : Fail(result.Error);

    public static IResult Fail(Error error) =>
        Results.Json(new ErrorResponse(error), PenguinJson.Wire.ErrorResponse, statusCode: StatusOf(error));

    public static int StatusOf(Error error) => error.Code switch
    {
        "not_found" or "not_friends" => StatusCodes.Status404NotFound,
        "not_authenticated" or "invalid_token" or "auth_failed" => StatusCodes.Status401Unauthorized,
        "forbidden" or "not_accepting" => StatusCodes.Status403Forbidden,
        "already_friends" or "request_closed" or "default_group" or "limit_reached" => StatusCodes.Status409Conflict,
        "throttled" => StatusCodes.Status429TooManyRequests,
        "frame_too_large" => StatusCodes.Status413PayloadTooLarge,
        "unavailable" => StatusCodes.Status503ServiceUnavailable,
        "internal" => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Turns unreadable bodies into the protocol's error shape instead of an empty 400.</summary>
    public static IApplicationBuilder UseProtocolErrors(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                var error = e.InnerException is JsonException json
                    ? (json.Path is null && json.LineNumber is null ? Errors.BadJson : Errors.BadRequest.With($"Invalid body: {json.Message}", $"请求体无效：{json.Message}"))
                    : e.StatusCode == StatusCodes.Status413PayloadTooLarge ? Errors.FrameTooLarge
                    : e.StatusCode == StatusCodes.Status401Unauthorized ? NoSessionError(context)
                    : Errors.BadRequest.With(e.Message, "请求无效。");
                await Fail(error).ExecuteAsync(context);
            }
        });
}
