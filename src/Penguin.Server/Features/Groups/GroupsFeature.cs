using Penguin.Core.Groups;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Groups;

/// <summary>Groups (群): sending, read cursors and recall on /ws; everything else (membership, roles, settings, history) over REST.</summary>
public static class GroupsFeature
{
    public static IServiceCollection AddGroups(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IGroupStore, SqliteGroupStore, PostgresGroupStore>(options);
        services.AddSingleton(options.Groups);
        services.AddSingleton<GroupService>();
        services.AddSingleton<Penguin.Core.Files.IFileAccess, GroupFileAccess>();
        services.AddFrameHandler<SendGroupMessage, SendGroupMessageHandler>();
        services.AddFrameHandler<MarkGroupRead, MarkGroupReadHandler>();
        services.AddFrameHandler<RecallGroupMessage, RecallGroupMessageHandler>();
        return services;
    }

    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        app.MapGroupsApi();
        return app;
    }
}
