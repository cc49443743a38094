using Penguin.Bus.RabbitMq;
using Penguin.Core.Bus;

namespace Penguin.Server.Hosting;

/// <summary>Picks the event bus; with RabbitMQ (and PostgreSQL) the node is one of a cluster.</summary>
public static class ClusterRegistration
{
    public static IServiceCollection AddBus(this IServiceCollection services, ServerOptions options) =>
        options.Bus switch
        {
            BusEngine.InProcess => services.AddSingleton<IEventBus, InProcessEventBus>(),
            BusEngine.RabbitMq => services.AddSingleton<IEventBus>(sp => new RabbitMqEventBus(
                new RabbitMqBusOptions(options.RabbitMq.Uri!, options.NodeId)
                {
                    NodeLink = options.RabbitMq.NodeLinkEndPoint,
                    NodeLinkHost = string.IsNullOrWhiteSpace(options.RabbitMq.NodeLinkHost) ? null : options.RabbitMq.NodeLinkHost.Trim(),
                },
                sp.GetRequiredService<ILogger<RabbitMqEventBus>>())),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Bus, "Unknown bus."),
        };
}
