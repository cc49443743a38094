using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>What the XMPP settings change: off by default, and plaintext SCRAM only where the operator allowed it.</summary>
public sealed class XmppSettingsTests
{
    [Fact]
    public async Task Default_XmppIsOff()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Null(server.Services.XmppEndPoint());
        Assert.False(new XmppOptions().Enabled);
    }

    [Fact]
    public async Task PlaintextOnLoopback_OffersScramButNeverPlainWithoutTls()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
            o.Xmpp.AllowPlaintextOnLoopback = true;
        });
        await using var romeo = await server.RegisterAsync("romeo");

        await using var xmpp = await XmppTestClient.ConnectAsync(server);
        var mechanisms = xmpp.Features.Descendants().Where(e => e.Name.LocalName == "mechanism").Select(e => e.Value).ToArray();
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], mechanisms);
        Assert.Equal("invalid-mechanism", (await xmpp.PlainAsync(romeo.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), User.Password)).Elements().First().Name.LocalName);
        Assert.True(await xmpp.ScramAsync(romeo.Number, User.Password));
        await xmpp.BindAsync("bench");
        Assert.Equal($"{romeo.Number}@localhost/bench", xmpp.Jid);
    }

    [Fact]
    public async Task PlainAuthOnLoopback_OffersPlainWithoutTls_AWrongPasswordIsRefused()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
            o.Xmpp.AllowPlaintextOnLoopback = true;
            o.Xmpp.AllowPlainAuthOnLoopback = true;
        });
        await using var romeo = await server.RegisterAsync("romeo");
        var number = romeo.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var wrong = await XmppTestClient.ConnectAsync(server);
        Assert.Contains("PLAIN", wrong.Features.Descendants().Where(e => e.Name.LocalName == "mechanism").Select(e => e.Value));
        Assert.Equal("not-authorized", (await wrong.PlainAsync(number, "not the password")).Elements().First().Name.LocalName);

        await using var xmpp = await XmppTestClient.ConnectAsync(server);
        Assert.Equal("success", (await xmpp.PlainAsync(number, User.Password)).Name.LocalName);
        await xmpp.BindAsync("tsung");
        Assert.Equal($"{number}@localhost/tsung", xmpp.Jid);
    }

    [Fact]
    public async Task GeneratedCertificate_IsKeptInTheDataDirectoryAndReused()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
            o.Xmpp.Domain = "chat.example";
        });
        var path = Path.Combine(server.DataDirectory, XmppCertificate.GeneratedFileName);
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var first = await File.ReadAllBytesAsync(path);

        await server.RestartAsync();
        Assert.Equal(first, await File.ReadAllBytesAsync(path));
    }
}
