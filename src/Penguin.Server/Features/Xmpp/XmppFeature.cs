using Penguin.Core.Accounts;
using Penguin.Core.Xmpp;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The XMPP front end (docs/xmpp.md): client-to-server XMPP over the same accounts, sessions, services and delivery
/// as the native protocol. Nothing is registered when it is off, so a node without XMPP pays nothing for it.
/// </summary>
public static class XmppFeature
{
    public static IServiceCollection AddXmpp(this IServiceCollection services, ServerOptions options)
    {
        if (!options.Xmpp.Enabled) return services;
        services.AddStore<IXmppStore, SqliteXmppStore, PostgresXmppStore>(options);
        services.AddSingleton<XmppCredentials>();
        services.AddSingleton<IPasswordObserver>(sp => sp.GetRequiredService<XmppCredentials>());
        services.AddSingleton<XmppCertificate>();
        services.AddSingleton<XmppResumption>();
        services.AddSingleton<XmppUploads>();
        services.AddSingleton<XmppServices>();
        services.AddSingleton<XmppListener>();
        services.AddSingleton<XmppWebSocketEndpoint>();
        services.AddHostedService(sp => sp.GetRequiredService<XmppListener>());
        return services;
    }

    /// <summary>XMPP over WebSocket (RFC 7395) at /xmpp-websocket and XEP-0363 uploads at /xmpp-upload on the HTTP port, when XMPP is on.</summary>
    public static IEndpointRouteBuilder MapXmpp(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<XmppWebSocketEndpoint>() is null) return app;
        app.Map(XmppWebSocketEndpoint.Path, (HttpContext context, XmppWebSocketEndpoint endpoint) => endpoint.HandleAsync(context));
        XmppUploads.Map(app);
        return app;
    }

    /// <summary>Where XMPP listens on this node (its port when 0 was configured); null when XMPP is off.</summary>
    public static System.Net.IPEndPoint? XmppEndPoint(this IServiceProvider services) =>
        services.GetService<XmppListener>()?.LocalEndPoint;
}
