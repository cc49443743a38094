using Penguin.Core.Files;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Files;

/// <summary>Files, pictures and voice clips: resumable deduplicated uploads, safe downloads, previews, expiry.</summary>
public static class FilesFeature
{
    public static IServiceCollection AddFiles(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IFileStore, SqliteFileStore, PostgresFileStore>(options);
        services.AddStore<IAvatarStore, SqliteAvatarStore, PostgresAvatarStore>(options);
        services.AddSingleton(options.Files);
        services.AddSingleton<IBlobStore>(_ => new LocalBlobStore(BlobDirectory(options)));
        services.AddSingleton<IPictureInspector, VipsPictureInspector>();
        services.AddSingleton<FilesService>();
        services.AddSingleton<AvatarService>();
        services.AddSingleton<Penguin.Core.Messaging.IAttachments, FileAttachments>();
        services.AddHostedService<FileSweeper>();
        return services;
    }

    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder app)
    {
        app.MapFilesApi();
        app.MapAvatarApi();
        return app;
    }

    /// <summary>Penguin:Files:Directory, or "files" in the data directory.</summary>
    public static string BlobDirectory(ServerOptions options) =>
        string.IsNullOrWhiteSpace(options.Files.Directory) ? Path.Combine(options.DataDirectory, "files") : options.Files.Directory;
}
