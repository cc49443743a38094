namespace Penguin.Server.Hosting;

/// <summary>Runs before anything listens: a node that cannot use its storage stops with one line instead of answering every request with an error.</summary>
internal sealed class StorageStartupCheck(IServiceProvider services, ServerOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => StartupFailure.CheckStorageAsync(services, options, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
