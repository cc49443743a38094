using Xunit;

namespace Penguin.Testing;

/// <summary>penguin-bank in its own process and the real server pointed at it: one of each per test class.</summary>
public sealed class BankFixture : IAsyncLifetime
{
    public BankProcess Bank { get; } = new();

    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Bank.StartAsync();
        Server = await TestServer.StartAsync(o =>
        {
            o.Bank.Url = Bank.Url;
            o.Bank.Secret = BankProcess.Secret;
            o.Bank.RequestTimeout = TimeSpan.FromSeconds(1); // the timeout cards hang: give up quickly
            o.Bank.PollInterval = TimeSpan.FromMilliseconds(200);
            o.Bank.PollAfter = TimeSpan.FromSeconds(2);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Bank.Dispose();
    }
}
