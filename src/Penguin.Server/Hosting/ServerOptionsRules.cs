using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

/// <summary>Rules that span settings: an engine that needs a connection must be given one.</summary>
public sealed class ServerOptionsRules : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = new List<string>();
        if (options.Storage == StorageEngine.Postgres && string.IsNullOrWhiteSpace(options.Postgres.ConnectionString))
            failures.Add("Penguin:Postgres:ConnectionString must be set when Penguin:Storage is postgres.");
        if (options.Bus == BusEngine.RabbitMq && options.RabbitMq.Uri is null)
            failures.Add("Penguin:RabbitMq:Uri must be set when Penguin:Bus is rabbitmq.");
        if (options.RabbitMq.Uri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("amqp" or "amqps")))
            failures.Add($"Penguin:RabbitMq:Uri must be an amqp:// or amqps:// URI (got '{uri}').");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
