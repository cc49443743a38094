using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Wallet;

/// <summary>The wallet (财付通): a double-entry ledger, balances and history, payment password, transfers to friends, red packets, Q-coins.</summary>
public static class WalletFeature
{
    public static IServiceCollection AddWallet(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IWalletStore, SqliteWalletStore, PostgresWalletStore>(options);
        services.AddSingleton(options.Wallet);
        services.AddSingleton<WalletService>();
        services.AddSingleton<RedPacketService>();
        services.AddHostedService<WalletSweeper>();
        // Top-up and withdrawal through the bank gateway (penguin-bank): the same store class, its bank side.
        services.AddStore<IWalletBankStore, SqliteWalletStore, PostgresWalletStore>(options);
        services.AddSingleton(options.Bank);
        services.AddSingleton<IBankGateway, BankClient>();
        services.AddSingleton<WalletBankService>();
        services.AddHostedService<BankPoller>();
        return services;
    }

    public static IEndpointRouteBuilder MapWallet(this IEndpointRouteBuilder app)
    {
        app.MapWalletApi(app.ServiceProvider.GetRequiredService<WalletOptions>());
        app.MapWalletBankApi(app.ServiceProvider.GetRequiredService<BankOptions>());
        return app;
    }
}
