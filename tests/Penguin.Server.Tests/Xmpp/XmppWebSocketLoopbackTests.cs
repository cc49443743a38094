namespace Penguin.Server.Tests.Xmpp;

/// <summary>With plaintext on loopback allowed by the operator, PLAIN is offered over ws:// from loopback.</summary>
public sealed class XmppWebSocketLoopbackTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.Xmpp.Enabled = true;
        o.Xmpp.Port = 0;
        o.Xmpp.AllowPlaintextOnLoopback = true;
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Plain_OnLoopbackWhenAllowed_Succeeds()
    {
        await using var romeo = await _server.RegisterAsync("romeo");
        await using var xmpp = await XmppWebSocketTestClient.ConnectAsync(_server);
        Assert.Contains("PLAIN", xmpp.Features.Descendants().Where(e => e.Name.LocalName == "mechanism").Select(e => e.Value));

        var outcome = await xmpp.PlainAsync(romeo.Number, User.Password);

        Assert.Equal("success", outcome.Name.LocalName);
    }
}
