using Penguin.Core.Presence;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;

namespace Penguin.Server.Features.Presence;

/// <summary>Device presence and what friends see of it: the "presence" op, the snapshot on connect, offline on goodbye.</summary>
public static class PresenceFeature
{
    public static IServiceCollection AddPresence(this IServiceCollection services, ServerOptions options)
    {
        services.AddPresenceRegistry(options);
        services.AddSingleton<PresenceService>();
        services.AddFrameHandler<SetPresence, SetPresenceHandler>();
        services.AddConnectionObserver<PresenceConnectionObserver>();
        return services;
    }

    /// <summary>Presence in memory for the embedded node; in the shared database, with expiry, when storage is PostgreSQL.</summary>
    private static IServiceCollection AddPresenceRegistry(this IServiceCollection services, ServerOptions options)
    {
        if (options.Storage != StorageEngine.Postgres)
            return services.AddSingleton<IPresenceRegistry, InMemoryPresenceRegistry>();
        services.AddSingleton(sp => new PostgresPresenceRegistry(sp.GetRequiredService<PostgresDatabase>(), options.NodeId, options.PresenceTtl));
        services.AddSingleton<IPresenceRegistry>(sp => sp.GetRequiredService<PostgresPresenceRegistry>());
        services.AddHostedService<PresenceKeeper>();
        return services;
    }
}
