using Penguin.Core.Accounts;
using Penguin.Core.Messaging;

namespace Penguin.Server.Hosting;

/// <summary>
/// Settings of one node, bound from the "Penguin" configuration section (appsettings.json,
/// environment variables such as Penguin__DataDirectory, or --Penguin:DataDirectory=...).
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Where the embedded database and files live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The storage engine: "sqlite" (embedded, in <see cref="DataDirectory"/>) or "postgres" (cluster mode).</summary>
    public string Storage { get; set; } = "sqlite";

    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>A device that sends nothing for this long is taken offline.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan HeartbeatSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A connection must authenticate within this time.</summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Frames queued for one connection before it counts as a slow consumer and is closed.</summary>
    public int OutboundQueueLimit { get; set; } = 1024;

    public AccountOptions Accounts { get; set; } = new();

    public MessagingOptions Messaging { get; set; } = new();
}

public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string, e.g. Host=127.0.0.1;Username=penguin;Password=...;Database=penguin.</summary>
    public string? ConnectionString { get; set; }
}
