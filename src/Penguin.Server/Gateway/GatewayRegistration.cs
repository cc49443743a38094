using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>The WebSocket gateway's registration, and how a feature plugs its ops and connection hooks into it.</summary>
public static class GatewayRegistration
{
    /// <summary>Transport, authentication, the sync pump and op dispatch: everything of /ws that names no feature.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<UnauthenticatedConnections>();
        services.AddSingleton<FrameDispatcher>();
        services.AddSingleton<WebSocketGateway>();
        services.AddSingleton<ConnectionLimits>();
        services.AddHostedService<GatewayShutdown>();
        services.AddHostedService<BusConnector>();
        services.AddHostedService<HeartbeatMonitor>();
        services.AddSingleton<SessionCheckSignal>();
        services.AddHostedService<SessionAudit>();
        return services;
    }

    /// <summary>Serves /ws for the requests that reach the HTTP pipeline (the rest never leave <see cref="WebSocketUpgrade"/>).</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        // Built now, so an op without a handler stops the start instead of failing a client later.
        app.ServiceProvider.GetRequiredService<FrameDispatcher>();
        app.Map("/ws", (HttpContext context, WebSocketGateway gateway) => gateway.HandleAsync(context));
        return app;
    }

    /// <summary>Makes <typeparamref name="THandler"/> the handler of the op whose frame is <typeparamref name="TFrame"/>.</summary>
    public static IServiceCollection AddFrameHandler<TFrame, THandler>(this IServiceCollection services)
        where TFrame : ClientFrame
        where THandler : class, IFrameHandler<TFrame>
    {
        services.AddSingleton<THandler>();
        services.AddSingleton(sp => FrameRoute.For<TFrame>(sp.GetRequiredService<THandler>()));
        return services;
    }

    /// <summary>Lets <typeparamref name="TObserver"/> take part in every connection's life (called in registration order).</summary>
    public static IServiceCollection AddConnectionObserver<TObserver>(this IServiceCollection services)
        where TObserver : class, IConnectionObserver =>
        services.AddSingleton<IConnectionObserver, TObserver>();
}
