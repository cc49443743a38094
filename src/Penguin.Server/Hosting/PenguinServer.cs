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
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        // Request lines carry query strings (a message search's text): nothing a user typed goes into the log.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        var options = builder.Configuration.GetSection("Penguin").Get<ServerOptions>() ?? new ServerOptions();
        configure?.Invoke(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Limits.MaxRequestBodyBytes;
            k.AddServerHeader = false;
            k.Limits.RequestHeadersTimeout = options.HandshakeTimeout;
            k.ConfigureEndpointDefaults(listen => listen.UseWebSocketUpgrade());
        });

        builder.Services.AddPenguin(options);
        builder.Services.ConfigureHttpJsonOptions(json => UseProtocolJson(json.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseProtocolErrors();
        app.UseSessionAuthentication();
        app.UseWebSockets();
        app.Map("/ws", (HttpContext context, WebSocketGateway gateway) => gateway.HandleAsync(context));
        app.MapAccountApi();
        app.MapSocialApi();
        app.MapMessagingApi();
        app.MapOpsEndpoints();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapWebClient();
        return app;
    }

    public static IServiceCollection AddPenguin(this IServiceCollection services, ServerOptions options)
    {
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
        services.AddSingleton<ConnectionLimits>();
        services.AddHostedService<GatewayShutdown>();
        // A stop closes every WebSocket at once (1001), so the host need not wait Kestrel's default 30 s.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<PenguinMetrics>();
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

/// <summary>Closes every WebSocket with 1001 as soon as the host begins to stop (SIGTERM, Ctrl+C).</summary>
internal sealed class GatewayShutdown(IHostApplicationLifetime lifetime, WebSocketGateway gateway) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(gateway.CloseAll);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Connects the bus to this node's connections at start-up.</summary>
internal sealed class BusConnector(IEventBus bus, ConnectionRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bus.StartAsync(registry, cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
