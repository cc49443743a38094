namespace Penguin.Server.Hosting;

/// <summary>Where the node keeps its data.</summary>
public enum StorageEngine
{
    /// <summary>Embedded: one SQLite file in the data directory.</summary>
    Sqlite,

    /// <summary>Cluster mode: one PostgreSQL database shared by every node.</summary>
    Postgres,
}
