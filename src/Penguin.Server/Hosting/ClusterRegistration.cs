using Penguin.Bus.RabbitMq;
using Penguin.Core.Bus;

namespace Penguin.Server.Hosting;

/// <summary>Picks the event bus; with RabbitMQ (and PostgreSQL) the node is one of a cluster.</summary>
public static class ClusterRegistration
{
    public static IServiceCollection AddBus(this IServiceCollection services, ServerOptions options) =>
        options.Bus.ToUpperInvariant() switch
        {
            "INPROCESS" => services.AddSingleton<IEventBus, InProcessEventBus>(),
            "RABBITMQ" => services.AddSingleton<IEventBus>(sp => new RabbitMqEventBus(
                new RabbitMqBusOptions(options.RabbitMq.Uri ?? throw new InvalidOperationException("Penguin:Bus is rabbitmq but Penguin:RabbitMq:Uri is not set."), options.NodeId),
                sp.GetRequiredService<ILogger<RabbitMqEventBus>>())),
            _ => throw new InvalidOperationException($"Unknown Penguin:Bus '{options.Bus}': use inprocess or rabbitmq."),
        };
}
