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
        options.Storage.ToUpperInvariant() switch
        {
            "SQLITE" => services.AddSqliteStorage(Path.Combine(options.DataDirectory, "penguin.db")),
            "POSTGRES" => services.AddPostgresStorage(options.Postgres.ConnectionString
                ?? throw new InvalidOperationException("Penguin:Storage is postgres but Penguin:Postgres:ConnectionString is not set.")),
            _ => throw new InvalidOperationException($"Unknown Penguin:Storage '{options.Storage}': use sqlite or postgres."),
        };

    /// <summary>Embedded default: one SQLite file in the data directory.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string path)
    {
        services.AddSingleton(_ => new SqliteDatabase(path));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<IAccountStore, SqliteAccountStore>();
        services.AddSingleton<ISocialStore, SqliteSocialStore>();
        services.AddSingleton<IEventLog, SqliteEventLog>();
        services.AddSingleton<IMessageStore, SqliteMessageStore>();
        return services;
    }

    /// <summary>Cluster mode: one PostgreSQL database shared by every node.</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => new PostgresDatabase(connectionString));
        services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IAccountStore, PostgresAccountStore>();
        services.AddSingleton<ISocialStore, PostgresSocialStore>();
        services.AddSingleton<IEventLog, PostgresEventLog>();
        services.AddSingleton<IMessageStore, PostgresMessageStore>();
        return services;
    }
}
