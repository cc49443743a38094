using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Penguin.Core.Common;

namespace Penguin.Server.Hosting;

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
