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
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
    }
}

internal sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await storage.IsHealthyAsync(cancellationToken)
                ? HealthCheckResult.Healthy("database reachable")
                : HealthCheckResult.Unhealthy("database unavailable");
        }
        catch (StorageUnavailableException e)
        {
            return HealthCheckResult.Unhealthy("database unavailable", e);
        }
    }
}
