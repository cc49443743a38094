using Penguin.Core.Social;

namespace Penguin.Server.Features.Social;

/// <summary>People, friend requests, the buddy list, buddy groups and blocks (REST only).</summary>
public static class SocialFeature
{
    public static IServiceCollection AddSocial(this IServiceCollection services)
    {
        services.AddSingleton<SocialService>();
        return services;
    }

    public static IEndpointRouteBuilder MapSocial(this IEndpointRouteBuilder app)
    {
        app.MapSocialApi();
        return app;
    }
}
