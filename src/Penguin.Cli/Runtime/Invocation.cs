using System.Globalization;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Runtime;

/// <summary>One run of one command: its arguments and options, the printer, the config and the server to talk to.</summary>
public sealed class Invocation(CliHost host, ParsedLine line, Printer printer, ConfigStore store, CancellationToken ct)
{
    public const string DefaultServer = "http://127.0.0.1:5180";

    private CliConfig? _config;

    public CliHost Host => host;
    public Printer Out => printer;
    public ConfigStore Store => store;
    public CancellationToken Cancel => ct;
    public CommandSpec Command => line.Command!;
    public IReadOnlyList<string> Args => line.Args;

    public CliConfig Config => _config ??= store.Load();

    /// <summary>--server, else $PENGUIN_SERVER, else the server of the saved login, else the local default.</summary>
    public Uri Server
    {
        get
        {
            var text = line.Global.Server ?? NonEmpty(host.GetEnv("PENGUIN_SERVER")) ?? Config.Server ?? DefaultServer;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw Usage($"'{text}' is not an http(s) URL.", $"“{text}”不是 http(s) 地址。");
            return uri;
        }
    }

    /// <summary>The server's address as people type it: scheme, host and port.</summary>
    public string ServerText
    {
        get
        {
            try { return Server.GetLeftPart(UriPartial.Authority); }
            catch (UsageException) { return line.Global.Server ?? DefaultServer; }
        }
    }

    /// <summary>
    /// A device session of the login for a command that opens a live connection: each such command needs its own
    /// (see <see cref="SessionLease"/>). Dispose it when the connection is closed.
    /// </summary>
    public SessionLease TakeSession()
    {
        var server = Server;
        if (Config.Token is null || !SameServer(Config.Server, server)) throw CliException.NotLoggedIn();
        return SessionLease.TryTake(store, Config, server) ?? throw SessionLease.AllTaken(Config.Sessions.Count());
    }

    /// <summary>The status this login shows while connected (<c>penguin status</c> remembers it); online if never set.</summary>
    public PresenceStatus RememberedStatus => store.Load().Status ?? PresenceStatus.Online;

    /// <summary>A client without a session (register, login).</summary>
    public PenguinClient Anonymous() => new(Server);

    /// <summary>A client with the saved session; the token is only ever sent to the server it came from.</summary>
    public PenguinClient Client()
    {
        var server = Server;
        if (Config.Token is null || !SameServer(Config.Server, server)) throw CliException.NotLoggedIn();
        return new PenguinClient(server) { Token = Config.Token };
    }

    public static bool SameServer(string? saved, Uri server) =>
        saved is not null && Uri.TryCreate(saved, UriKind.Absolute, out var s) && Uri.Compare(s, server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    public void SaveConfig(CliConfig config)
    {
        store.Save(config);
        _config = config;
    }

    public string Arg(int index) => line.Args[index];

    public long Number(int index, string what = "number") => ParseLong(line.Args[index], what);

    public string? Option(string name) => line.Options.GetValueOrDefault(name);

    public bool Flag(string name) => line.Options.ContainsKey(name);

    public long? LongOption(string name) => Option(name) is { } v ? ParseLong(v, "--" + name) : null;

    public bool? BoolOption(string name) => Option(name)?.ToLowerInvariant() switch
    {
        null => null,
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        var v => throw Usage($"--{name} must be true or false, not '{v}'.", $"--{name} 只能是 true 或 false，而不是“{v}”。"),
    };

    /// <summary>Parses one of a fixed set of words (e.g. pc|mobile|web).</summary>
    public T Choice<T>(string text, string what, IReadOnlyDictionary<string, T> choices) =>
        choices.TryGetValue(text.ToLowerInvariant(), out var value) ? value
            : throw Usage($"{what} must be one of {string.Join("|", choices.Keys)}, not '{text}'.", $"{what} 只能是 {string.Join("|", choices.Keys)}，而不是“{text}”。");

    public DateOnly Date(string text, string what) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
            : throw Usage($"{what} must be a date like 1990-05-17.", $"{what} 须为形如 1990-05-17 的日期。");

    public UsageException Usage(string en, string zh) => new(en, zh, line.Command);

    /// <summary>The password: --password, else $PENGUIN_PASSWORD, else asked for (without echo on a terminal).</summary>
    public string Password(bool confirm)
    {
        if (Option("password") is { } given) return given;
        if (host.GetEnv("PENGUIN_PASSWORD") is { Length: > 0 } env) return env;
        var password = host.ReadSecret(Out.T("Password: ", "密码："));
        if (string.IsNullOrEmpty(password))
            throw Usage("No password given: pass --password PASSWORD, set PENGUIN_PASSWORD, or type it when asked (on a terminal).",
                "没有提供密码：请用 --password 密码、设置 PENGUIN_PASSWORD，或在终端提示时输入。");
        if (confirm && host.InputIsTerminal && host.ReadSecret(Out.T("Again: ", "再输一次：")) != password)
            throw Usage("The passwords differ.", "两次输入的密码不一致。");
        return password;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private long ParseLong(string text, string what) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
            : throw Usage($"{what} must be a number, not '{text}'.", $"{what} 须为数字，而不是“{text}”。");

    public static readonly IReadOnlyDictionary<string, PresenceStatus> Statuses = new Dictionary<string, PresenceStatus>
    {
        ["online"] = PresenceStatus.Online, ["away"] = PresenceStatus.Away, ["busy"] = PresenceStatus.Busy,
        ["dnd"] = PresenceStatus.DoNotDisturb, ["invisible"] = PresenceStatus.Invisible,
    };
}
