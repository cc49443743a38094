using Penguin.Core.Accounts;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Accounts;

/// <summary>Registration, login, device sessions, the caller's profile and settings; the token check of /ws.</summary>
public static class AccountsFeature
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IAccountStore, SqliteAccountStore, PostgresAccountStore>(options);
        services.AddSingleton(options.Accounts);
        services.AddSingleton<AccountService>();
        services.AddSingleton<IConnectionAuthenticator, AccountConnectionAuthenticator>();
        services.AddHostedService<DeletionSweeper>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapAccountApi();
        return app;
    }
}
