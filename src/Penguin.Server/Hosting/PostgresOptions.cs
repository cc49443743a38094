namespace Penguin.Server.Hosting;

public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string, e.g. Host=127.0.0.1;Username=penguin;Password=...;Database=penguin.</summary>
    public string? ConnectionString { get; set; }
}
