using System.ComponentModel.DataAnnotations;
using Penguin.Core.Accounts;
using Penguin.Core.Files;
using Penguin.Core.Groups;
using Penguin.Core.Rooms;
using Penguin.Core.Messaging;
using Penguin.Core.Wallet;
using Penguin.Core.Wallet.Bank;
using Microsoft.Extensions.Options;
using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Hosting;

/// <summary>
/// Settings of one node, bound from the "Penguin" configuration section (appsettings.json,
/// environment variables such as Penguin__DataDirectory, or --Penguin:DataDirectory=...).
/// Checked at start-up (Hosting/ConfigurationCheck.cs, ServerOptionsAnnotations.cs, ServerOptionsRules.cs): ranges
/// below, engines as enums, unknown keys reported;
/// every setting and its default is in appsettings.json and docs/operations.md.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Where the embedded database and files live.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The storage engine: "sqlite" (embedded, in <see cref="DataDirectory"/>) or "postgres" (cluster mode).</summary>
    public StorageEngine Storage { get; set; } = StorageEngine.Sqlite;

    [ValidateObjectMembers]
    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>The event bus: "inprocess" (one node) or "rabbitmq" (cluster mode, see <see cref="RabbitMq"/>).</summary>
    public BusEngine Bus { get; set; } = BusEngine.InProcess;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    /// <summary>
    /// This node's name in the cluster: its bus queue is penguin.node.&lt;NodeId&gt; and it owns the presence rows it
    /// writes. Must be unique among running nodes; the default is the host name plus a random suffix.
    /// </summary>
    [Required(AllowEmptyStrings = false), RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "The field {0} must be 1 to 64 letters, digits, '.', '_' or '-'.")]
    public string NodeId { get; set; } = $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>In cluster mode, how long a node's presence rows outlive its last refresh (refreshed every third of this).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PresenceTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A device that sends nothing for this long is taken offline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan HeartbeatSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the sessions of all connections are checked: a session ended where the bus cannot reach (an administrator's
    /// command, a delivery lost in a broker outage) has its connection closed (4001) within this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection must authenticate within this time.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Frames queued for one connection before it counts as a slow consumer and is closed.</summary>
    [Range(1, 1_000_000)]
    public int OutboundQueueLimit { get; set; } = 1024;

    /// <summary>
    /// Bytes one connection may have written but not yet handed to the socket. A burst (a resume page, live
    /// events) is flushed once it reaches this, and the flush waits for the client to read: back-pressure.
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxUnflushedBytes { get; set; } = 256 * 1024;

    /// <summary>A connection whose writes stay blocked by a client that does not read for this long is closed as a slow consumer (4003).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SlowConsumerTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How much of an oversized frame is read and thrown away so its 1009 close reaches the client; a longer frame is cut off.</summary>
    [Range(typeof(long), "0", "1073741824")]
    public long MaxDiscardedFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>A socket must send a complete WebSocket upgrade or HTTP request head within this time, or it is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TCP connections held at once; beyond it new ones are closed at once. 0: derived from the process's file-descriptor limit.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnections { get; set; }

    /// <summary>WebSocket connections held at once; a further upgrade is answered 503 while REST and /healthz still work. 0: 90% of <see cref="MaxConnections"/>.</summary>
    [Range(0, int.MaxValue)]
    public int MaxWebSockets { get; set; }

    /// <summary>TCP connections held at once from one IP address (loopback is exempt unless <see cref="LimitLoopback"/>). 0: no limit.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnectionsPerAddress { get; set; } = 1000;

    /// <summary>Whether the per-address cap applies to 127.0.0.1 and ::1 too (a local load balancer or test client would otherwise share one address).</summary>
    public bool LimitLoopback { get; set; }

    /// <summary>The effective connection cap: <see cref="MaxConnections"/>, or 90% of the fd limit less 64 kept for files and the database.</summary>
    public int EffectiveMaxConnections => MaxConnections > 0 ? MaxConnections : Math.Max(64, (int)Math.Min(int.MaxValue, FileDescriptorLimit.Soft * 9 / 10 - 64));

    public int EffectiveMaxWebSockets => MaxWebSockets > 0 ? Math.Min(MaxWebSockets, EffectiveMaxConnections) : Math.Max(1, EffectiveMaxConnections * 9 / 10);

    /// <summary>
    /// Where the web client's built files are (index.html and its assets); by default wwwroot in the working
    /// directory or next to the executable (Hosting/WebClient.cs). Empty: not set.
    /// </summary>
    public string? WebRoot { get; set; }

    [ValidateObjectMembers]
    public AccountOptions Accounts { get; set; } = new();

    [ValidateObjectMembers]
    public MessagingOptions Messaging { get; set; } = new();

    [ValidateObjectMembers]
    public FilesOptions Files { get; set; } = new();

    [ValidateObjectMembers]
    public GroupsOptions Groups { get; set; } = new();

    [ValidateObjectMembers]
    public RoomsOptions Rooms { get; set; } = new();

    /// <summary>The wallet (财付通): prices, limits, the transfer hold, payment-password lockout.</summary>
    [ValidateObjectMembers]
    public WalletOptions Wallet { get; set; } = new();

    /// <summary>The bank gateway (penguin-bank) for top-up and withdrawal; off while its Url is empty.</summary>
    [ValidateObjectMembers]
    public BankOptions Bank { get; set; } = new();

    /// <summary>The XMPP front end (docs/xmpp.md); off by default.</summary>
    [ValidateObjectMembers]
    public XmppOptions Xmpp { get; set; } = new();
}
