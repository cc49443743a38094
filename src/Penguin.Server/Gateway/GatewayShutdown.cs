namespace Penguin.Server.Gateway;

/// <summary>Closes every WebSocket with 1001 as soon as the host begins to stop (SIGTERM, Ctrl+C).</summary>
internal sealed class GatewayShutdown(IHostApplicationLifetime lifetime, WebSocketGateway gateway) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(gateway.CloseAll);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
