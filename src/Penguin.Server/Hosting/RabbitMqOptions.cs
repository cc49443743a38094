using System.Net;

namespace Penguin.Server.Hosting;

public sealed class RabbitMqOptions
{
    /// <summary>An AMQP URI, e.g. amqp://penguin:secret@10.0.0.5:5672/penguin.</summary>
    public Uri? Uri { get; set; }

    /// <summary>
    /// Where this node listens for the other nodes' direct streams ("address:port"; port 0 takes any free port), or
    /// "off" to send every crossing delivery through the broker. The default serves nodes on one machine only.
    /// </summary>
    public string NodeLink { get; set; } = "127.0.0.1:0";

    /// <summary>The host the other nodes connect to for <see cref="NodeLink"/> (needed when it listens on 0.0.0.0 or ::).</summary>
    public string? NodeLinkHost { get; set; }

    public bool NodeLinkOff => string.Equals(NodeLink.Trim(), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>The endpoint <see cref="NodeLink"/> names; null when it is "off" or not an address:port (the colon check: "7400" alone would parse as the IPv4 address 0.0.28.232).</summary>
    public IPEndPoint? NodeLinkEndPoint => !NodeLinkOff && IPEndPoint.TryParse(NodeLink.Trim(), out var endpoint) && NodeLink.Contains(':') ? endpoint : null;
}
