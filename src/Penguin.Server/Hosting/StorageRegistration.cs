using Penguin.Core.Common;
using Penguin.Core.Sync;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Hosting;

/// <summary>Picks the storage engine from <see cref="ServerOptions.Storage"/> (the database and the event log sync reads); features add their stores with <see cref="AddStore"/>. Domain code only sees the store interfaces.</summary>
public static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services, ServerOptions options) =>
        options.Storage switch
        {
            StorageEngine.Sqlite => services.AddSqliteStorage(DatabasePath(options), options),
            StorageEngine.Postgres => services.AddPostgresStorage(options.Postgres.ConnectionString ?? "", options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Storage, "Unknown storage engine."),
        };

    /// <summary>
    /// A feature's store on the configured engine: each feature registers its own stores in its AddX,
    /// so a new feature adds one line here per store, not a line per engine in this file.
    /// </summary>
    public static IServiceCollection AddStore<TStore, TSqlite, TPostgres>(this IServiceCollection services, ServerOptions options)
        where TStore : class
        where TSqlite : class, TStore
        where TPostgres : class, TStore =>
        options.Storage == StorageEngine.Postgres
            ? services.AddSingleton<TStore, TPostgres>()
            : services.AddSingleton<TStore, TSqlite>();

    /// <summary>The embedded database file: penguin.db in the data directory.</summary>
    public static string DatabasePath(ServerOptions options) => Path.Combine(options.DataDirectory, "penguin.db");

    /// <summary>Embedded default: one SQLite file in the data directory.</summary>
    private static IServiceCollection AddSqliteStorage(this IServiceCollection services, string path, ServerOptions? options = null)
    {
        // Opening checks the directory, the file and its schema; what an operator can fix becomes a one-line StartupException.
        services.AddSingleton(sp => StartupFailure.Open(options, () => new SqliteDatabase(path, sp.GetService<System.Diagnostics.Metrics.IMeterFactory>())));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<IEventLog, SqliteEventLog>();
        return services;
    }

    /// <summary>Cluster mode: one PostgreSQL database shared by every node.</summary>
    private static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString, ServerOptions? options = null)
    {
        services.AddSingleton(_ => StartupFailure.Open(options, () => new PostgresDatabase(connectionString, options?.Postgres.MaxPoolSize ?? PostgresDatabase.DefaultMaxPoolSize)));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IEventLog, PostgresEventLog>();
        return services;
    }
}
