using Penguin.Bus.RabbitMq;
using Penguin.Core.Bus;
using Penguin.Core.Presence;
using Penguin.Server.Gateway;
using Penguin.Storage.Postgres;

namespace Penguin.Server.Hosting;

/// <summary>Picks the event bus and where presence lives; with RabbitMQ and PostgreSQL the node is one of a cluster.</summary>
public static class ClusterRegistration
{
    public static IServiceCollection AddBus(this IServiceCollection services, ServerOptions options) =>
        options.Bus switch
        {
            BusEngine.InProcess => services.AddSingleton<IEventBus, InProcessEventBus>(),
            BusEngine.RabbitMq => services.AddSingleton<IEventBus>(sp => new RabbitMqEventBus(
                new RabbitMqBusOptions(options.RabbitMq.Uri!, options.NodeId),
                sp.GetRequiredService<ILogger<RabbitMqEventBus>>())),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Bus, "Unknown bus."),
        };

    /// <summary>Presence in memory for the embedded node; in the shared database, with expiry, when storage is PostgreSQL.</summary>
    public static IServiceCollection AddPresenceRegistry(this IServiceCollection services, ServerOptions options)
    {
        if (options.Storage != StorageEngine.Postgres)
            return services.AddSingleton<IPresenceRegistry, InMemoryPresenceRegistry>();
        services.AddSingleton(sp => new PostgresPresenceRegistry(sp.GetRequiredService<PostgresDatabase>(), options.NodeId, options.PresenceTtl));
        services.AddSingleton<IPresenceRegistry>(sp => sp.GetRequiredService<PostgresPresenceRegistry>());
        services.AddHostedService<PresenceKeeper>();
        return services;
    }
}
