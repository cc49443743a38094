using Microsoft.Net.Http.Headers;
using Penguin.Core.Files;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Files;

/// <summary>
/// Custom avatars from uploads (docs/protocol.md §10.8): set the caller's or a group's avatar from a file id, and serve
/// avatars to anyone by their digest, cacheable for good (the name changes whenever the picture does).
/// </summary>
public static class AvatarEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapAvatarApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireSession();

        api.MapPut("/me/avatar", async (SetAvatarRequest body, Caller caller, AvatarService avatars, CancellationToken cancellationToken) =>
            From(await avatars.SetUserAvatarAsync(caller.UserId, body.FileId ?? "", cancellationToken), Json.Profile));

        api.MapPut("/groups/{id:long}/avatar", async (long id, SetAvatarRequest body, Caller caller, AvatarService avatars, CancellationToken cancellationToken) =>
            From(await avatars.SetGroupAvatarAsync(caller.UserId, id, body.FileId ?? "", cancellationToken), Json.GroupInfo));

        // Public, as QQ's avatars are: a profile is shown to strangers too, and an <img> sends no bearer token.
        app.MapMethods("/api/v1/avatars/{sha256}", ["GET", "HEAD"], async (string sha256, HttpContext http, AvatarService avatars) =>
        {
            if (await avatars.GetAsync(sha256, http.RequestAborted) is not { } image) return Fail(Errors.NotFound);
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            // The digest names these bytes for good: cache them for a year, anywhere; the ETag answers a revalidation with 304.
            headers.CacheControl = "public, max-age=31536000, immutable";
            headers["Cross-Origin-Resource-Policy"] = "cross-origin";
            return Results.Bytes(image, "image/jpeg", entityTag: new EntityTagHeaderValue($"\"{sha256}\""));
        });
    }
}
