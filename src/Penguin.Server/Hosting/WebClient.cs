using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Penguin.Server.Hosting;

/// <summary>
/// Serves the web client (web/, built into wwwroot by the project's BuildWebClient target) at <c>/</c>:
/// its files with a strict Content-Security-Policy, and index.html for any other GET that is not one of the
/// server's own paths (the single-page app's routes). /api, /ws, /xmpp-websocket, /healthz, /metrics, /openapi and /docs keep
/// their own answers: an unknown path under them stays an empty 404.
/// </summary>
public static class WebClient
{
    /// <summary>No inline script or style, no other origin: the page talks only to this server. blob: for pictures
    /// and voice clips, which the page downloads with its token (§10.2) and shows from memory.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src blob:; font-src 'self'; " +
        "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    private static readonly string[] ServerPaths = ["/api", "/ws", "/xmpp-websocket", "/healthz", "/metrics", "/openapi", "/docs"];

    /// <summary>Maps the web client when its built files are found (Penguin:WebRoot, else wwwroot beside the content root or the binary).</summary>
    public static WebApplication MapWebClient(this WebApplication app)
    {
        var root = FindRoot(app);
        if (root is null)
        {
            app.Logger.LogInformation("Web client not found (no wwwroot/index.html); / is not served. 未找到网页客户端。");
            return app;
        }

        var files = new PhysicalFileProvider(root);
        var types = new FileExtensionContentTypeProvider();
        app.MapFallback("{**path}", (HttpContext context) => ServeAsync(context, files, types))
            .WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]))
            .ExcludeFromDescription();
        return app;
    }

    internal static bool IsServerPath(PathString path) =>
        ServerPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static string? FindRoot(WebApplication app)
    {
        var configured = app.Configuration["Penguin:WebRoot"];
        string[] candidates = string.IsNullOrEmpty(configured)
            ? [Path.Combine(app.Environment.ContentRootPath, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot")]
            : [Path.GetFullPath(configured)];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "index.html")));
    }

    /// <summary>The build writes .br and .gz beside scripts and styles (web/vite.config.ts): the smallest one the browser takes.</summary>
    private static (IFileInfo File, string Encoding)? Precompressed(HttpContext context, PhysicalFileProvider files, string path)
    {
        var accepted = context.Request.GetTypedHeaders().AcceptEncoding;
        foreach (var (encoding, extension) in new[] { ("br", ".br"), ("gzip", ".gz") })
        {
            if (!accepted.Any(a => string.Equals(a.Value.Value, encoding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0))
                continue;
            var encoded = files.GetFileInfo(path + extension);
            if (encoded is { Exists: true, IsDirectory: false })
                return (encoded, encoding);
        }
        return null;
    }

    private static async Task ServeAsync(HttpContext context, PhysicalFileProvider files, FileExtensionContentTypeProvider types)
    {
        var path = context.Request.Path;
        if (IsServerPath(path))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var file = path.HasValue && path.Value != "/" ? files.GetFileInfo(path.Value!) : null;
        var isAsset = file is { Exists: true, IsDirectory: false };
        if (!isAsset)
        {
            // A missing file (a name with an extension) is a 404, not the app: a broken link should not load a page.
            if (Path.HasExtension(path.Value))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            file = files.GetFileInfo("/index.html");
        }

        var headers = context.Response.Headers;
        var contentType = types.TryGetContentType(file!.Name, out var type) ? type : "application/octet-stream";
        if (isAsset && Precompressed(context, files, path.Value!) is var (encoded, encoding))
        {
            file = encoded;
            headers.ContentEncoding = encoding;
        }
        if (isAsset)
            headers.Vary = "Accept-Encoding";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Vite names every built asset by its content hash: those never change. index.html must be re-read.
        headers.CacheControl = isAsset && path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache";
        context.Response.ContentType = contentType;
        context.Response.ContentLength = file.Length;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await context.Response.SendFileAsync(file, context.RequestAborted);
    }
}
