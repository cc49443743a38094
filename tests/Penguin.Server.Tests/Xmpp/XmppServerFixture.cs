namespace Penguin.Server.Tests.Xmpp;

/// <summary>One server with XMPP on (a free port, domain "localhost") per test class.</summary>
public sealed class XmppServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TestServer.StartAsync(o =>
    {
        o.Xmpp.Enabled = true;
        o.Xmpp.Port = 0;
    });

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
