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
        services.AddSingleton<XmppServices>();
        services.AddSingleton<XmppListener>();
        services.AddHostedService(sp => sp.GetRequiredService<XmppListener>());
        return services;
    }

    /// <summary>Where XMPP listens on this node (its port when 0 was configured); null when XMPP is off.</summary>
    public static System.Net.IPEndPoint? XmppEndPoint(this IServiceProvider services) =>
        services.GetService<XmppListener>()?.LocalEndPoint;
}
