using System.Text.Json;
using Penguin.Core.Outbox;
using Penguin.Protocol;
using Penguin.Server.Api;
using Penguin.Server.Features.Accounts;
using Penguin.Server.Features.Files;
using Penguin.Server.Features.Groups;
using Penguin.Server.Features.Messaging;
using Penguin.Server.Features.Presence;
using Penguin.Server.Features.Rooms;
using Penguin.Server.Features.Social;
using Penguin.Server.Features.Wallet;
using Penguin.Server.Features.Xmpp;
using Penguin.Server.Gateway;
using Penguin.Server.Ops;

namespace Penguin.Server.Hosting;

/// <summary>Builds the Penguin node: the table of contents of what the server hosts.</summary>
public static class PenguinServer
{
    public const string DefaultUrl = "http://127.0.0.1:5180";

    /// <param name="args">Command-line arguments (configuration).</param>
    /// <param name="configure">Changes to the options bound from configuration.</param>
    /// <param name="replaceServices">Replacements registered after Penguin's own (tests: a FakeTimeProvider as the clock).</param>
    public static WebApplication Build(string[] args, Action<ServerOptions>? configure = null, Action<IServiceCollection>? replaceServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddSettingsBesideExecutable();
        builder.AddPenguinLogging();
        builder.Host.UseSystemd();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        // Request lines carry query strings (a message search's text): nothing a user typed goes into the log.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        var options = builder.BindServerOptions(configure);
        var dataDirectoryLock = options.Storage == StorageEngine.Sqlite ? DataDirectoryLock.Acquire(options.DataDirectory) : null;
        try
        {
            return Build(builder, options, dataDirectoryLock, replaceServices);
        }
        catch
        {
            dataDirectoryLock?.Dispose();
            throw;
        }
    }

    private static WebApplication Build(WebApplicationBuilder builder, ServerOptions options, DataDirectoryLock? dataDirectoryLock,
        Action<IServiceCollection>? replaceServices)
    {
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Limits.MaxRequestBodyBytes;
            k.AddServerHeader = false;
            k.Limits.RequestHeadersTimeout = options.HandshakeTimeout;
            k.ConfigureEndpointDefaults(listen => listen.UseWebSocketUpgrade());
        });
        // After Kestrel's own transport, so this one binds TCP endpoints: devices' WebSockets skip Kestrel altogether.
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, Gateway.Transport.GatewayListenerFactory>();

        builder.Services.AddPenguin(options);
        builder.Services.AddPenguinHealth();
        replaceServices?.Invoke(builder.Services);
        builder.Services.ConfigureHttpJsonOptions(json => UseProtocolJson(json.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddPenguinOpenApi();

        if (dataDirectoryLock is not null) builder.Services.AddSingleton(_ => dataDirectoryLock);
        var app = builder.Build();
        // Resolved once, so the container owns the lock and releases it when the node is disposed.
        if (dataDirectoryLock is not null) app.Services.GetRequiredService<DataDirectoryLock>();
        app.LogWhenStarted(options);
        app.UseProtocolErrors();
        app.UseSessionAuthentication();
        app.UseWebSockets();
        app.MapGateway();
        app.MapAccounts();
        app.MapSocial();
        app.MapMessaging();
        app.MapFiles();
        app.MapGroups();
        app.MapRooms();
        app.MapWallet();
        app.MapXmpp();
        app.MapOpsEndpoints();
        app.MapWebClient();
        return app;
    }

    public static IServiceCollection AddPenguin(this IServiceCollection services, ServerOptions options)
    {
        // First, so that nothing else starts on storage that cannot be used.
        services.AddHostedService<StorageStartupCheck>();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);

        // Storage and bus by configuration: embedded (SQLite, in-process) unless told otherwise.
        services.AddStorage(options);
        services.AddBus(options);
        services.AddSingleton<EventPublisher>();
        services.AddGateway();
        // A stop closes every WebSocket at once (1001), so the host need not wait Kestrel's default 30 s.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<PenguinMetrics>();
        services.AddSingleton<PrometheusExposition>();

        // The features: each brings its service, options, REST endpoints, frame handlers and connection hooks.
        services.AddAccounts(options);
        services.AddSocial(options);
        services.AddPresence(options);
        services.AddMessaging(options);
        services.AddFiles(options);
        services.AddGroups(options);
        services.AddRooms(options);
        services.AddWallet(options);
        services.AddXmpp(options);
        return services;
    }

    /// <summary>REST bodies follow the same strict rules as WebSocket frames.</summary>
    private static void UseProtocolJson(JsonSerializerOptions json)
    {
        json.TypeInfoResolverChain.Insert(0, PenguinJson.Wire);
        PenguinJson.Configure(json);
    }
}
