using System.Globalization;
using Penguin.Load.Net;

namespace Penguin.Load;

/// <summary>Command-line options of one run, with hard caps so a run is always bounded in users and time.</summary>
public sealed class LoadOptions
{
    public const int MaxUsers = 60_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(15);

    public const int MaxNodes = 16;

    public string Scenario { get; set; } = "";

    /// <summary>The first (or only) node: setup requests (register, login, befriend) go here.</summary>
    public Uri Server => Servers[0];

    /// <summary>The nodes to drive (--server or --servers); devices are spread over them.</summary>
    public IReadOnlyList<Uri> Servers { get; set; } = [new("http://127.0.0.1:5180")];

    /// <summary>chat with several nodes: the two sides of each pair on different nodes, so every message crosses the bus.</summary>
    public bool CrossNode { get; set; }

    /// <summary>Start this many penguin-server nodes on PostgreSQL + RabbitMQ (0 = none).</summary>
    public int SpawnCluster { get; set; }

    /// <summary>--spawn-cluster: an admin connection string (a role allowed to create databases); each run gets its own database.</summary>
    public string? Postgres { get; set; }

    /// <summary>--spawn-cluster: the AMQP URI of the broker.</summary>
    public string? RabbitMq { get; set; }

    /// <summary>Also sample the CPU of the PostgreSQL and RabbitMQ processes on this machine (implied by --spawn-cluster).</summary>
    public bool SampleServices { get; set; }

    /// <summary>chat with --spawn-cluster: SIGKILL the last node this long into sending; its devices reconnect through another node.</summary>
    public TimeSpan? KillNodeAfter { get; set; }
    public int Users { get; set; } = 100;

    /// <summary>How long the scenario holds (idle) or its time limit (register, login-storm); null = the scenario's default.</summary>
    public TimeSpan? Duration { get; set; }

    public int? ServerPid { get; set; }
    public string Out { get; set; } = "bench-results";

    /// <summary>Concurrent operations in flight; 0 = the scenario's default.</summary>
    public int Concurrency { get; set; }

    public bool SpawnServer { get; set; }
    public bool FastPasswords { get; set; }
    public string? ServerDll { get; set; }
    public string? DataDirectory { get; set; }

    /// <summary>Saved users (number, password, token) to reuse instead of registering; written when missing.</summary>
    public string? UsersFile { get; set; }

    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(20);

    public const int MaxWindow = 256;
    public const int MaxMessages = 1_000_000;

    /// <summary>chat: messages per second each pair sends; null = as fast as acknowledgements allow (--rate max).</summary>
    public double? Rate { get; set; }

    /// <summary>chat: the same traffic for this long before the clock starts (accounted, not in the figures); null = none.</summary>
    public TimeSpan? Warmup { get; set; }

    /// <summary>chat, catchup: sends in flight at once per sending connection.</summary>
    public int Window { get; set; } = 8;

    /// <summary>catchup: messages pushed to the offline recipient.</summary>
    public int Messages { get; set; } = 100_000;

    /// <summary>catchup: sending users (each a friend of the recipient), so one sender's connection is not the bottleneck.</summary>
    public int Senders { get; set; } = 20;

    /// <summary>group: members of the one group (all online); --senders of them post.</summary>
    public int Members { get; set; } = 200;
    public int SourceAddresses { get; set; } = SourceAddressPool.MaxAddresses;

    /// <summary>xmpp-chat: the XMPP c2s address (plain TCP, loopback only).</summary>
    public System.Net.IPEndPoint? XmppServer { get; set; }

    /// <summary>xmpp-chat: the XMPP domain of the accounts (their JIDs are user@domain).</summary>
    public string XmppDomain { get; set; } = "localhost";

    /// <summary>xmpp-chat on another server: the user names, "{0}" standing for 1, 2, … (registered beforehand).</summary>
    public string? XmppUsers { get; set; }

    /// <summary>xmpp-chat with <see cref="XmppUsers"/>: create each account by in-band registration (XEP-0077) before logging in.</summary>
    public bool XmppRegister { get; set; }

    /// <summary>xmpp-chat with <see cref="XmppUsers"/>: their one password.</summary>
    public string? XmppPassword { get; set; }

    public const string Usage = """
        Penguin load generator — drives a running penguin-server over loopback and writes a benchmark report.

        usage: penguin-load <scenario> [options]
          scenarios: register | idle | login-storm | chat | xmpp-chat | catchup | group | day | transfers | redpackets
          --server URL          server to drive (loopback only)           default http://127.0.0.1:5180
          --servers URL,URL,…   several nodes of one cluster; devices go round-robin over them (chat: by pair)
          --cross-node          chat: the two sides of each pair on different nodes (else both on the same node)
          --spawn-cluster N     start N nodes on PostgreSQL + RabbitMQ (needs --postgres, --rabbitmq; max 16)
          --postgres CONN       with --spawn-cluster: admin connection string; the run creates and drops its own database
          --rabbitmq URI        with --spawn-cluster: AMQP URI of the broker
          --sample-services     also sample postgres and beam.smp (RabbitMQ) CPU; implied by --spawn-cluster
          --kill-node-after T   chat with --spawn-cluster (2+ nodes): SIGKILL the last node T into sending; its devices
                                reconnect through the next node and the run still accounts every acknowledged message
          --spawn-server        start penguin-server (fresh temp data dir) and kill it at the end
          --fast-passwords      with --spawn-server: 1,000 PBKDF2 iterations instead of 100,000
          --server-dll PATH     with --spawn-server: the penguin-server.dll to run (found in src/ by default)
          --data-dir PATH       with --spawn-server: keep the data here instead of a temp dir
          --server-pid PID      server process to sample (/proc) when not spawned
          --users N             simulated users / devices (max 60000)      default 100
                                day: active accounts; 1 in 12 is online at the evening peak
          --duration T          idle: how long to hold; day: how long the 24 h day lasts (default 5m);
                                others: time limit (e.g. 30s, 2m; max 15m)
          --concurrency N       operations in flight at once                default per scenario
          --users-file PATH     reuse saved users (and tokens); written after registering when missing
          --ping-interval T     idle, day: heartbeat interval (real time)  default 20s
          --pairs N             chat: pairs of friends (= --users 2N)      default 50
          --rate R|max          chat: messages/s each pair sends; group: each sender  default max
          --window N            chat, catchup, group: sends in flight per sender default 8 (max 256)
          --warmup T            chat: the same traffic for T before the clock starts (JIT of server and tool
                                out of the figures); its messages are still accounted (lost or duplicated fails
                                the run)   预热：计时前先以相同流量运行 T，不计入指标，但仍逐条核对  default none
          --messages M          catchup: messages the offline device misses default 100000 (max 1000000)
          --senders N           catchup: sending friends (= --users N+1); group: members posting  default 20
          --members N           group: members of the one group, all online (max 5000)  default 200
                                redpackets: members racing for each red packet  default 2000
          --xmpp HOST:PORT      xmpp-chat: the XMPP c2s port (plain TCP on loopback, SCRAM-SHA-1)
          --xmpp-domain D       xmpp-chat: the accounts' domain              default localhost
          --xmpp-users PATTERN  xmpp-chat on another server: user names, {0} = 1, 2, … (registered beforehand);
                                without it the accounts are registered and befriended on Penguin (--server)
          --xmpp-password P     xmpp-chat with --xmpp-users: their password
          --xmpp-register       xmpp-chat with --xmpp-users: create the accounts by in-band registration (XEP-0077)
          --sources N           source addresses 127.0.0.2… to spread over default 253
          --out DIR             where reports go                           default bench-results
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-')) throw new ArgumentException("Name a scenario first.");
        var o = new LoadOptions { Scenario = args[0] };
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--server": o.Servers = [new Uri(Value())]; break;
                case "--servers": o.Servers = ParseServers(name, Value()); break;
                case "--cross-node": o.CrossNode = true; break;
                case "--spawn-cluster": o.SpawnCluster = Int(name, Value(), 1, MaxNodes); break;
                case "--postgres": o.Postgres = Value(); break;
                case "--rabbitmq": o.RabbitMq = Value(); break;
                case "--sample-services": o.SampleServices = true; break;
                case "--kill-node-after": o.KillNodeAfter = Time(name, Value(), MaxDuration); break;
                case "--spawn-server": o.SpawnServer = true; break;
                case "--fast-passwords": o.FastPasswords = true; break;
                case "--server-dll": o.ServerDll = Value(); break;
                case "--data-dir": o.DataDirectory = Value(); break;
                case "--server-pid": o.ServerPid = Int(name, Value(), 1, int.MaxValue); break;
                case "--users": o.Users = Int(name, Value(), 1, MaxUsers); break;
                case "--duration": o.Duration = Time(name, Value(), MaxDuration); break;
                case "--concurrency": o.Concurrency = Int(name, Value(), 1, MaxUsers); break;
                case "--users-file": o.UsersFile = Value(); break;
                case "--ping-interval": o.PingInterval = Time(name, Value(), TimeSpan.FromMinutes(5)); break;
                case "--sources": o.SourceAddresses = Int(name, Value(), 1, SourceAddressPool.MaxAddresses); break;
                case "--out": o.Out = Value(); break;
                case "--xmpp": o.XmppServer = ParseXmppServer(name, Value()); break;
                case "--xmpp-domain": o.XmppDomain = Value(); break;
                case "--xmpp-users": o.XmppUsers = Value(); break;
                case "--xmpp-register": o.XmppRegister = true; break;
                case "--xmpp-password": o.XmppPassword = Value(); break;
                case "--pairs": o.Users = 2 * Int(name, Value(), 1, MaxUsers / 2); break;
                case "--rate": o.Rate = ParseRate(name, Value()); break;
                case "--window": o.Window = Int(name, Value(), 1, MaxWindow); break;
                case "--warmup": o.Warmup = Time(name, Value(), MaxDuration); break;
                case "--messages": o.Messages = Int(name, Value(), 1, MaxMessages); break;
                case "--senders": o.Senders = Int(name, Value(), 1, 1000); o.Users = o.Senders + 1; break;
                case "--members": o.Members = Int(name, Value(), 2, 5000); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        if (o.Scenario == "catchup") o.Users = o.Senders + 1;
        if (o.Scenario == "redpackets" && !args.Contains("--members")) o.Members = 2000;
        if (o.Scenario is "group" or "redpackets") o.Users = o.Members;
        if (o.FastPasswords && !o.SpawnServer && o.SpawnCluster == 0) throw new ArgumentException("--fast-passwords only applies with --spawn-server or --spawn-cluster.");
        if (o.SpawnCluster > 0)
        {
            if (o.SpawnServer) throw new ArgumentException("--spawn-server and --spawn-cluster exclude each other.");
            if (o.Postgres is null || o.RabbitMq is null) throw new ArgumentException("--spawn-cluster needs --postgres and --rabbitmq.");
            RequireLoopbackService("--rabbitmq", new Uri(o.RabbitMq).Host);
            o.SampleServices = true;
        }
        if (o.Scenario == "xmpp-chat" && o.XmppServer is null) throw new ArgumentException("xmpp-chat needs --xmpp HOST:PORT.");
        if (o.XmppUsers is { } pattern && !pattern.Contains("{0}", StringComparison.Ordinal)) throw new ArgumentException("--xmpp-users needs {0} where the number goes (e.g. load{0}).");
        if (o.XmppUsers is not null && o.XmppPassword is null) throw new ArgumentException("--xmpp-users needs --xmpp-password.");
        if (o.XmppRegister && o.XmppUsers is null) throw new ArgumentException("--xmpp-register needs --xmpp-users (Penguin's accounts are registered over HTTP).");
        if (o.KillNodeAfter is not null && (o.SpawnCluster < 2 || o.Scenario != "chat"))
            throw new ArgumentException("--kill-node-after needs the chat scenario and --spawn-cluster with at least two nodes.");
        if (o.Warmup is not null && o.Scenario != "chat") throw new ArgumentException("--warmup applies to chat only (预热只用于 chat 场景).");
        if (o.CrossNode && o.NodeCount < 2) throw new ArgumentException("--cross-node needs at least two nodes (--servers or --spawn-cluster).");
        o.Servers = [.. o.Servers.Select(LoopbackNetwork.RequireLoopback)];
        return o;
    }

    /// <summary>
    /// The places the run will write that it cannot (reports in --out, a new --users-file, --data-dir), one line each:
    /// checked before the run, so that minutes of load are not lost to a path found unwritable at the end.
    /// </summary>
    public IReadOnlyList<string> UnwritablePaths()
    {
        var problems = new List<string>();
        Check("--out", Out, Out);
        if (UsersFile is { } usersFile && !File.Exists(usersFile)) Check("--users-file", usersFile, Path.GetDirectoryName(Path.GetFullPath(usersFile))!);
        if (DataDirectory is { } data) Check("--data-dir", data, data);
        return problems;

        void Check(string option, string given, string directory)
        {
            try
            {
                Directory.CreateDirectory(directory);
                var probe = Path.Combine(directory, $".penguin-load-write-test-{Environment.ProcessId}");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{option} {given}: cannot write there / 无法写入 ({e.Message}).");
            }
        }
    }

    /// <summary>How many nodes the run drives: the spawned ones, or those given.</summary>
    public int NodeCount => SpawnCluster > 0 ? SpawnCluster : Servers.Count;

    /// <summary>"http://127.0.0.1:5181,http://127.0.0.1:5182": comma-separated, each loopback, no repeats, at most <see cref="MaxNodes"/>.</summary>
    public static IReadOnlyList<Uri> ParseServers(string name, string value)
    {
        var servers = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => LoopbackNetwork.RequireLoopback(new Uri(s))).ToArray();
        if (servers.Length == 0) throw new ArgumentException($"{name} needs at least one URL.");
        if (servers.Length > MaxNodes) throw new ArgumentException($"{name} takes at most {MaxNodes} nodes.");
        if (servers.Distinct().Count() != servers.Length) throw new ArgumentException($"{name} names a node twice.");
        return servers;
    }

    /// <summary>"127.0.0.1:5222": an IPv4 loopback address and a port.</summary>
    private static System.Net.IPEndPoint ParseXmppServer(string name, string value)
    {
        if (!System.Net.IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0)
            throw new ArgumentException($"{name} must be HOST:PORT (e.g. 127.0.0.1:5222), not '{value}'.");
        LoopbackNetwork.RequireLoopback(new Uri($"tcp://{endpoint}"));
        return endpoint;
    }

    private static void RequireLoopbackService(string name, string host)
    {
        if (host != "localhost" && !(System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip)))
            throw new ArgumentException($"{name} must point at a loopback address, not '{host}'.");
    }

    /// <summary>"max" (null: as fast as acknowledgements allow) or messages per second, up to 10,000.</summary>
    private static double? ParseRate(string name, string value) =>
        value == "max" ? null
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 && r <= 10_000 ? r
        : throw new ArgumentException($"{name} must be 'max' or messages per second from 0 to 10000.");

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}.");

    /// <summary>"500ms", "30s", "2m", or plain seconds.</summary>
    public static TimeSpan Time(string name, string value, TimeSpan max)
    {
        static bool Num(string s, out double d) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d > 0;
        TimeSpan? parsed = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) && Num(value[..^2], out var ms) => TimeSpan.FromMilliseconds(ms),
            _ when value.EndsWith('s') && Num(value[..^1], out var s) => TimeSpan.FromSeconds(s),
            _ when value.EndsWith('m') && Num(value[..^1], out var m) => TimeSpan.FromMinutes(m),
            _ when Num(value, out var plain) => TimeSpan.FromSeconds(plain),
            _ => null,
        };
        if (parsed is not { } t) throw new ArgumentException($"{name}: '{value}' is not a duration (e.g. 30s, 2m).");
        if (t > max) throw new ArgumentException($"{name} is capped at {max.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        return t;
    }
}
