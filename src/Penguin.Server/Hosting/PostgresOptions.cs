using System.ComponentModel.DataAnnotations;

namespace Penguin.Server.Hosting;

public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string, e.g. Host=127.0.0.1;Username=penguin;Password=...;Database=penguin.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Connections this node opens to PostgreSQL at most (Npgsql's Maximum Pool Size), unless the connection string
    /// sets Maximum Pool Size itself. Nodes × this must stay below the server's max_connections (less its reserved
    /// slots); beyond a few nodes put PgBouncer in front (docs/operations.md).
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = Penguin.Storage.Postgres.PostgresDatabase.DefaultMaxPoolSize;
}
