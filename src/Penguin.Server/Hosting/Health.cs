using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Penguin.Core.Common;

namespace Penguin.Server.Hosting;

/// <summary>
/// Liveness and readiness through Microsoft.Extensions.Diagnostics.HealthChecks. /healthz: the process answers
/// (restart it when not). /readyz: it can serve, i.e. its storage answers (take it out of the load balancer when not).
/// The broker is deliberately not part of readiness: a node without it still serves its own users, and a broker
/// outage would otherwise take every node out of rotation at once.
/// </summary>
public static class Health
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddPenguinHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag]);
        return services;
    }

    public static void MapPenguinHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteStatusAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteStatusAsync });
    }

    /// <summary>"Healthy", "Degraded" or "Unhealthy" as plain text with a Content-Length (probes on keep-alive connections read exactly that).</summary>
    private static Task WriteStatusAsync(HttpContext context, HealthReport report)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(report.Status.ToString());
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
