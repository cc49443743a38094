using System.Net;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

public sealed class ConnectionLimitsTests
{
    [Fact]
    public void OneIPv4Client_CountsOnce_WhetherItArrivesMappedToIPv6OrNot()
    {
        var limits = new ConnectionLimits(new ServerOptions { MaxConnections = 100, MaxConnectionsPerAddress = 2 });
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
}
