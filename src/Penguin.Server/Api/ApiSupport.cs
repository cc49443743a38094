using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization.Metadata;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Server.Api;

public static partial class ApiSupport
{
    /// <summary>Marks every endpoint of the group as needing "Authorization: Bearer &lt;token&gt;".</summary>
    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group) => group.WithMetadata(new RequiresSession());

    /// <summary>
    /// Resolves the bearer token of endpoints that require a session, before their parameters are bound,
    /// so that <see cref="Caller"/> can bind from it; answers 401 in the protocol's error shape otherwise.
    /// </summary>
    public static IApplicationBuilder UseSessionAuthentication(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<RequiresSession>() is null)
            {
                await next(http);
                return;
            }
            var header = http.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
            var accounts = http.RequestServices.GetRequiredService<AccountService>();
            if (await accounts.AuthenticateAsync(token, http.RequestAborted) is not { } session)
            {
                if (token is not null) http.RequestServices.GetRequiredService<Penguin.Server.Ops.PenguinMetrics>().AuthenticationFailed("token");
                await Fail(token is null ? Errors.NotAuthenticated : Errors.InvalidToken).ExecuteAsync(http);
                return;
            }
            http.Items[typeof(Caller)] = new Caller(session);
            await next(http);
        });

    private sealed class RequiresSession;

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
        "forbidden" or "not_accepting" or "wrong_password" or "account_disabled" => StatusCodes.Status403Forbidden,
        "already_friends" or "request_closed" or "default_group" or "limit_reached" => StatusCodes.Status409Conflict,
        // Groups
        "not_member" or "group_muted" => StatusCodes.Status403Forbidden,
        "already_member" or "group_full" => StatusCodes.Status409Conflict,
        "group_dissolved" => StatusCodes.Status410Gone,
        // Chat rooms
        "not_in_room" or "room_banned" => StatusCodes.Status403Forbidden,
        "throttled" => StatusCodes.Status429TooManyRequests,
        "frame_too_large" => StatusCodes.Status413PayloadTooLarge,
        "unavailable" => StatusCodes.Status503ServiceUnavailable,
        "internal" => StatusCodes.Status500InternalServerError,
        // Files
        "upload_offset_mismatch" or "upload_busy" or "upload_incomplete" => StatusCodes.Status409Conflict,
        "file_too_large" or "quota_exceeded" => StatusCodes.Status413PayloadTooLarge,
        "too_many_uploads" => StatusCodes.Status429TooManyRequests,
        "type_mismatch" or "not_a_picture" => StatusCodes.Status415UnsupportedMediaType,
        "file_hash_mismatch" or "chunk_hash_mismatch" => StatusCodes.Status422UnprocessableEntity,
        "file_expired" => StatusCodes.Status410Gone,
        // Wallet
        "insufficient_funds" or "idempotency_conflict" or "transfer_closed" or "amount_too_large" or "red_packet_empty" or "red_packet_expired" => StatusCodes.Status409Conflict,
        "daily_limit_exceeded" or "pay_password_not_set" or "wrong_pay_password" => StatusCodes.Status403Forbidden,
        "pay_password_locked" => StatusCodes.Status423Locked,
        "bank_unavailable" => StatusCodes.Status503ServiceUnavailable,
        "bad_signature" => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Turns unreadable bodies into the protocol's error shape instead of an empty 400.</summary>
    public static IApplicationBuilder UseProtocolErrors(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Refused before the body is read: the minimal API binder would answer a body over the limit with an empty 413.
            if (context.Request.ContentLength > Limits.MaxRequestBodyBytes && context.GetEndpoint()?.Metadata.GetMetadata<LargeRequestBody>() is null)
            {
                context.Response.Headers.Connection = "close";
                await Results.Json(new ErrorResponse(Errors.FrameTooLarge.With(
                    $"The request body is larger than {Limits.MaxRequestBodyBytes} bytes.", $"请求体超过 {Limits.MaxRequestBodyBytes} 字节。")),
                    PenguinJson.Wire.ErrorResponse, statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
                return;
            }
            try
            {
                await next(context);
                // No endpoint answered (an unknown path, a route value out of range, a method the path does not take):
                // the API still answers in its documented shape, not with an empty body.
                // A body that is not JSON is answered 415 by the binder without a word.
                if (!context.Response.HasStarted && context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
                    && context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed or StatusCodes.Status415UnsupportedMediaType)
                {
                    var error = context.Response.StatusCode switch
                    {
                        StatusCodes.Status404NotFound => Errors.NotFound,
                        StatusCodes.Status415UnsupportedMediaType => NotJson,
                        _ => Errors.BadRequest.With($"{context.Request.Method} is not allowed here.", $"此处不支持 {context.Request.Method} 请求。"),
                    };
                    await Results.Json(new ErrorResponse(error), PenguinJson.Wire.ErrorResponse, statusCode: context.Response.StatusCode).ExecuteAsync(context);
                }
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                await Fail(Unreadable(e)).ExecuteAsync(context);
            }
            catch (StorageUnavailableException) when (!context.Response.HasStarted)
            {
                // The database is down or restarting: say so, and when to try again, rather than an empty 500.
                context.Response.Headers.RetryAfter = "1";
                await Fail(Errors.Unavailable).ExecuteAsync(context);
            }
            catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // A bug: logged once (the path only, never the query or body, which hold what users typed), answered in the documented shape.
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Penguin.Server.Api")
                    .LogError(new EventId(120, "RequestFailed"), e, "{Method} {Path} failed", context.Request.Method, context.Request.Path.Value);
                await Fail(Errors.Internal).ExecuteAsync(context);
            }
        });

    private static readonly Error NotJson = Errors.BadRequest.With(
        "The body must be JSON, sent with Content-Type: application/json.", "请求体须为 JSON，并以 Content-Type: application/json 发送。");

    private static readonly Error MissingBody = Errors.BadRequest.With(
        "This request needs a JSON object as its body.", "此请求需要一个 JSON 对象作为请求体。");

    private static readonly Error NotValidJson = Errors.BadRequest.With("The body is not valid JSON.", "请求体不是有效的 JSON。");

    /// <summary>
    /// What the minimal-API binder refused, in the client's terms and both languages: its messages are English, name
    /// .NET types ("Nullable&lt;int&gt; limit") and suggest fixes to the server's code ("Did you mean to use a Service instead?").
    /// </summary>
    private static Error Unreadable(BadHttpRequestException e)
    {
        if (e.InnerException is JsonException json) return InvalidBody(json);
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge) return Errors.FrameTooLarge;
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType) return NotJson;
        // 'Failed to bind parameter "Nullable<int> limit" from "abc".': a query or route value that does not parse.
        if (BindFailure().Match(e.Message) is { Success: true } value)
        {
            var name = value.Groups["name"].Value;
            return Errors.InvalidField.With($"'{name}' must be a whole number within range.", $"“{name}”须为范围内的整数。");
        }
        // 'Required parameter "int limit" was not provided from query string.' / '… from body.'
        if (NotProvided().Match(e.Message) is { Success: true } missing && missing.Groups["source"].Value != "body")
        {
            var name = missing.Groups["name"].Value;
            return Errors.InvalidField.With($"'{name}' is required.", $"缺少“{name}”。");
        }
        // 'Implicit body inferred for parameter "body" but no body was provided.', 'Required parameter "… body" was not provided from body.'
        if (e.Message.Contains("body", StringComparison.Ordinal)) return MissingBody;
        return Errors.BadRequest;
    }

    [GeneratedRegex("""^Failed to bind parameter "[^"]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)" from""")]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "[^"]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)" was not provided from (?<source>[^.]+)\.""")]
    private static partial Regex NotProvided();

    /// <summary>
    /// Says which field of a JSON body is wrong in the client's terms (its JSON path or the missing names), without
    /// the serializer's .NET type names.
    /// </summary>
    private static Error InvalidBody(JsonException json)
    {
        // The reader's own failure (not JSON at all, cut short, a trailing comma) rather than a value the types refuse.
        if (json.InnerException?.GetType().Name == "JsonReaderException") return NotValidJson;
        return JsonInputErrors.Describe(json, "body", "请求体");
    }
}
