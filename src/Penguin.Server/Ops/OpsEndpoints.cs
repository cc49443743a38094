using Penguin.Server.Gateway;
using Penguin.Core.Common;

namespace Penguin.Server.Ops;

public static class OpsEndpoints
{
    public static void MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        // Healthy means this node can reach its database.
        app.MapGet("/healthz", async (IStorageHealth storage, CancellationToken cancellationToken) =>
            await storage.IsHealthyAsync(cancellationToken)
                ? Results.Text("ok\n")
                : Results.Text("database unavailable\n", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/metrics", (PenguinMetrics metrics, ConnectionRegistry registry) =>
            Results.Text(metrics.Render(registry), "text/plain; version=0.0.4"));
    }
}
