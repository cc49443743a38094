using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Penguin.Server.Hosting;

/// <summary>The one Information line a node writes when it is up: what runs, where its data is, where it listens.</summary>
public static partial class StartupLog
{
    public static string Version { get; } =
        typeof(StartupLog).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void LogWhenStarted(this WebApplication app, ServerOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Penguin.Server");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var data = options.Storage == StorageEngine.Sqlite
                ? Path.GetFullPath(StorageRegistration.DatabasePath(options))
                : Postgres(options.Postgres.ConnectionString);
            var storage = options.Storage.ToString().ToLowerInvariant();
            var bus = options.Bus.ToString().ToLowerInvariant();
            var listening = string.Join(' ', addresses);
            Started(logger, Version, storage, data, bus, options.NodeId, listening);
        });
    }

    private static string Postgres(string? connectionString)
    {
        try
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return $"postgresql://{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException)
        {
            return "postgresql";
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Penguin {Version} started: storage {Storage} at {Data}, bus {Bus}, node {NodeId}, listening on {Addresses}")]
    private static partial void Started(ILogger logger, string version, string storage, string data, string bus, string nodeId, string addresses);
}
