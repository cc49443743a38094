using System.Text.Json;
using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Messaging;
using Penguin.Core.Presence;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Protocol;
using Penguin.Server.Api;
using Penguin.Server.Gateway;
using Penguin.Server.Ops;

namespace Penguin.Server.Hosting;

/// <summary>Builds the Penguin node: the table of contents of what the server hosts.</summary>
public static class PenguinServer
{
    public const string DefaultUrl = "http://127.0.0.1:5180";

    public static WebApplication Build(string[] args, Action<ServerOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddSettingsBesideExecutable();
        builder.AddPenguinLogging();
        builder.Host.UseSystemd();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Limits.MaxRequestBodyBytes;
            k.AddServerHeader = false;
            k.ConfigureEndpointDefaults(listen => listen.UseWebSocketUpgrade());
        });

        var options = builder.BindServerOptions(configure);
        builder.Services.AddPenguin(options);
        builder.Services.AddPenguinHealth();
        builder.Services.ConfigureHttpJsonOptions(json => UseProtocolJson(json.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddPenguinOpenApi();

        var app = builder.Build();
        app.LogWhenStarted(options);
        app.UseProtocolErrors();
        app.UseSessionAuthentication();
        app.UseWebSockets();
        app.Map("/ws", (HttpContext context, WebSocketGateway gateway) => gateway.HandleAsync(context));
        app.MapAccountApi();
        app.MapSocialApi();
        app.MapMessagingApi();
        app.MapOpsEndpoints();
        app.MapWebClient();
        return app;
    }

    public static IServiceCollection AddPenguin(this IServiceCollection services, ServerOptions options)
    {
        // First, so that nothing else starts on storage that cannot be used.
        services.AddHostedService<StorageStartupCheck>();
        services.AddSingleton(options);
        services.AddSingleton(options.Accounts);
        services.AddSingleton(options.Messaging);
        services.AddSingleton(TimeProvider.System);

        // Storage, bus and presence by configuration: embedded (SQLite, in-process) unless told otherwise.
        services.AddStorage(options);
        services.AddBus(options);
        services.AddPresenceRegistry(options);

        services.AddSingleton<EventPublisher>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<SocialService>();
        services.AddSingleton<MessagingService>();

        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<UnauthenticatedConnections>();
        services.AddSingleton<WebSocketGateway>();
        services.AddSingleton<PenguinMetrics>();
        services.AddSingleton<PrometheusExposition>();
        services.AddHostedService<BusConnector>();
        services.AddHostedService<HeartbeatMonitor>();
        return services;
    }

    /// <summary>REST bodies follow the same strict rules as WebSocket frames.</summary>
    private static void UseProtocolJson(JsonSerializerOptions json)
    {
        json.TypeInfoResolverChain.Insert(0, PenguinJson.Wire);
        PenguinJson.Configure(json);
    }
}

/// <summary>Connects the bus to this node's connections at start-up.</summary>
internal sealed class BusConnector(IEventBus bus, ConnectionRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bus.StartAsync(registry, cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
