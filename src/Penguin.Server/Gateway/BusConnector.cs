using Penguin.Core.Bus;

namespace Penguin.Server.Gateway;

/// <summary>Connects the bus to this node's connections at start-up.</summary>
internal sealed class BusConnector(IEventBus bus, ConnectionRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bus.StartAsync(registry, cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
