using Penguin.Core.Social;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Social;

/// <summary>People, friend requests, the buddy list, buddy groups and blocks (REST only).</summary>
public static class SocialFeature
{
    public static IServiceCollection AddSocial(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<ISocialStore, SqliteSocialStore, PostgresSocialStore>(options);
        services.AddSingleton<SocialService>();
        return services;
    }

    public static IEndpointRouteBuilder MapSocial(this IEndpointRouteBuilder app)
    {
        app.MapSocialApi();
        return app;
    }
}
