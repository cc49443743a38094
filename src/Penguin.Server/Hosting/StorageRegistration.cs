using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Messaging;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Hosting;

/// <summary>Picks the storage engine from <see cref="ServerOptions.Storage"/>; domain code only sees the store interfaces.</summary>
public static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services, ServerOptions options) =>
        options.Storage switch
        {
            StorageEngine.Sqlite => services.AddSqliteStorage(DatabasePath(options), options),
            StorageEngine.Postgres => services.AddPostgresStorage(options.Postgres.ConnectionString ?? "", options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Storage, "Unknown storage engine."),
        };

    /// <summary>The embedded database file: penguin.db in the data directory.</summary>
    public static string DatabasePath(ServerOptions options) => Path.Combine(options.DataDirectory, "penguin.db");

    /// <summary>Embedded default: one SQLite file in the data directory.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string path, ServerOptions? options = null)
    {
        // Opening checks the directory, the file and its schema; what an operator can fix becomes a one-line StartupException.
        services.AddSingleton(sp => StartupFailure.Open(options, () => new SqliteDatabase(path, sp.GetService<System.Diagnostics.Metrics.IMeterFactory>())));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<IAccountStore, SqliteAccountStore>();
        services.AddSingleton<ISocialStore, SqliteSocialStore>();
        services.AddSingleton<IEventLog, SqliteEventLog>();
        services.AddSingleton<IMessageStore, SqliteMessageStore>();
        return services;
    }

    /// <summary>Cluster mode: one PostgreSQL database shared by every node.</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString, ServerOptions? options = null)
    {
        services.AddSingleton(_ => StartupFailure.Open(options, () => new PostgresDatabase(connectionString)));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IAccountStore, PostgresAccountStore>();
        services.AddSingleton<ISocialStore, PostgresSocialStore>();
        services.AddSingleton<IEventLog, PostgresEventLog>();
        services.AddSingleton<IMessageStore, PostgresMessageStore>();
        return services;
    }
}
