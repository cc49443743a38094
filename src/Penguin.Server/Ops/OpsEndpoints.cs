using Penguin.Server.Hosting;
using Scalar.AspNetCore;

namespace Penguin.Server.Ops;

public static class OpsEndpoints
{
    private static readonly HashSet<string> DocsPaths = new(["v1", "scalar.js", "scalar.aspnetcore.js"], StringComparer.OrdinalIgnoreCase);

    public static void MapOpsEndpoints(this WebApplication app)
    {
        app.MapPenguinHealth();

        // Created now, not at the first scrape, so that it counts from the start.
        var exposition = app.Services.GetRequiredService<PrometheusExposition>();
        app.Services.GetRequiredService<PenguinMetrics>();
        app.MapGet("/metrics", () => Results.Text(exposition.Render(), "text/plain; version=0.0.4; charset=utf-8")).ExcludeFromDescription();

        app.MapOpenApi("/openapi/{documentName}.json");
        // The browsable API reference, from the same document.
        app.MapScalarApiReference("/docs", scalar => scalar
            .WithTitle("Penguin API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            // Scalar answers /docs/{anything} with its page; only the one document (and the page's own scripts) exist.
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.Request.RouteValues.TryGetValue("documentName", out var name) && name is string document
                && !DocsPaths.Contains(document)
                    ? Results.NotFound()
                    : await next(context));
    }
}
