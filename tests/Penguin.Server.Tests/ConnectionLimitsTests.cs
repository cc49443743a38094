using System.Net;
using Penguin.Server.Gateway;
using Microsoft.Extensions.Logging;
using Penguin.Server.Hosting;
using Penguin.Testing;

namespace Penguin.Server.Tests;

public sealed class ConnectionLimitsTests
{
    [Fact]
    public void OneIPv4Client_CountsOnce_WhetherItArrivesMappedToIPv6OrNot()
    {
        var limits = new ConnectionLimits(new ServerOptions { MaxConnections = 100, MaxConnectionsPerAddress = 2 },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ConnectionLimits>.Instance, TimeProvider.System);
        var mapped = IPAddress.Parse("::ffff:203.0.113.7");
        var plain = IPAddress.Parse("203.0.113.7");

        Assert.True(limits.TryOpen(mapped));    // the HTTP port of a dual-stack listener
        Assert.True(limits.TryOpen(plain));     // the XMPP port
        Assert.False(limits.TryOpen(mapped));   // the third from the same client, by either road
        Assert.False(limits.TryOpen(plain));
        Assert.True(limits.TryOpen(IPAddress.Parse("203.0.113.8")));

        limits.Close(plain);
        Assert.True(limits.TryOpen(mapped));
        Assert.Equal(3, limits.Connections);
        Assert.Equal(2, limits.Refused);
    }

    [Fact]
    public void Refusals_OnAnyCap_AreLoggedOnceAMinute()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var logs = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var limits = new ConnectionLimits(new ServerOptions { MaxConnections = 100, MaxWebSockets = 1, MaxConnectionsPerAddress = 1 },
            factory.CreateLogger<ConnectionLimits>(), time);
        var client = IPAddress.Parse("203.0.113.9");

        Assert.True(limits.TryOpen(client));
        Assert.True(limits.TryOpenWebSocket(client));
        for (var i = 0; i < 50; i++) Assert.False(limits.TryOpen(client));   // the address's cap
        Assert.False(limits.TryOpenWebSocket(IPAddress.Parse("203.0.113.10"))); // the device cap
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(limits.TryOpen(client));

        var lines = logs.Entries.Where(e => e.EventId.Id == 118).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("203.0.113.9", lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("52 refused since start", lines[1].Message, StringComparison.Ordinal);
    }
}
