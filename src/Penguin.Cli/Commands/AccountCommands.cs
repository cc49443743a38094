using Penguin.Cli.Runtime;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>Accounts and device sessions: register, login, logout, sessions, whoami.</summary>
public static class AccountCommands
{
    private const string Section = "Account / 账号";
    private static readonly PenguinJson Json = PenguinJson.Wire;
    private static readonly OptionSpec PasswordOption = new("password", "PASSWORD", "Password (else $PENGUIN_PASSWORD, else asked)", "密码（否则取 $PENGUIN_PASSWORD，再否则提示输入）");

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "register", "<nickname>", "Create an account and print its number", "注册新账号并显示账号", RegisterAsync, PasswordOption),
        new(Section, "login", "<number>", "Log in and remember the session", "登录并保存会话", LoginAsync,
            PasswordOption,
            new("device", "pc|mobile|web", "Kind of device (default pc)", "设备类型（默认 pc）"),
            new("name", "NAME", "Device name shown in sessions", "在设备列表中显示的名称"),
            new("sessions", "N", $"Device sessions to create, one per command that stays connected (default {SessionLease.DefaultSessions}, at most {SessionLease.MaxSessions})",
                $"创建的设备会话数，每个保持连接的命令占用一个（默认 {SessionLease.DefaultSessions}，最多 {SessionLease.MaxSessions}）")),
        new(Section, "logout", "", "Log out this device", "退出登录", LogoutAsync,
            new("all", null, "Log out every device of the account", "退出所有设备"),
            new("session", "ID", "Log out one other device (see 'sessions')", "退出指定设备（见 sessions）")),
        new(Section, "sessions", "", "List logged-in devices", "列出已登录的设备", SessionsAsync),
        new(Section, "whoami", "", "Show who is logged in", "显示当前登录的账号", WhoAmIAsync),
        new(Section, "profiles", "", "List the saved logins of this computer (--profile NAME picks one)", "列出本机保存的登录（用 --profile 名称 选择）", ProfilesAsync),
    ];

    private static readonly Dictionary<string, DeviceKind> Devices = new() { ["pc"] = DeviceKind.Pc, ["mobile"] = DeviceKind.Mobile, ["web"] = DeviceKind.Web };

    private static async Task<int> RegisterAsync(Invocation inv)
    {
        var password = inv.Password(confirm: true);
        using var client = inv.Anonymous();
        var number = await client.RegisterAsync(inv.Arg(0), password, inv.Cancel);
        inv.Out.Result(new RegisterResponse(number), Json.RegisterResponse, r =>
            inv.Out.Line($"Registered. Your account number is {r.Number}; log in with 'penguin login {r.Number}'.",
                $"注册成功，你的账号是 {r.Number}，请用“penguin login {r.Number}”登录。"));
        return 0;
    }

    private static async Task<int> LoginAsync(Invocation inv)
    {
        var number = inv.Number(0);
        var device = inv.Choice(inv.Option("device") ?? "pc", "--device", Devices);
        var name = inv.Option("name") ?? DefaultDeviceName();
        var count = inv.LongOption("sessions") switch
        {
            null => SessionLease.DefaultSessions,
            >= 1 and <= SessionLease.MaxSessions and var n => (int)n,
            _ => throw inv.Usage($"--sessions must be 1 to {SessionLease.MaxSessions}.", $"--sessions 须为 1 到 {SessionLease.MaxSessions}。"),
        };
        var password = inv.Password(confirm: false);
        var server = inv.Server;
        using var client = inv.Anonymous();
        var login = await client.LoginAsync(number, password, device, name, inv.Cancel);
        // One device session per command that stays connected (see SessionLease); the first is also used for REST.
        var live = new List<LiveSession>();
        for (var i = 2; i <= count; i++)
        {
            using var extra = inv.Anonymous();
            var more = await extra.LoginAsync(number, password, device, Truncate($"{name} #{i}"), inv.Cancel);
            live.Add(new LiveSession(more.Token, more.SessionId));
        }

        // Logging in again replaces this profile's previous sessions: end them rather than leave them dangling.
        var previous = inv.Config;
        if (Invocation.SameServer(previous.Server, server))
            foreach (var session in previous.Sessions)
            {
                using var old = new PenguinClient(server) { Token = session.Token };
                try { await old.LogoutAsync(inv.Cancel); } catch (PenguinException) { }
            }
        if (previous.Number is { } before && (before != number || !Invocation.SameServer(previous.Server, server)) && !inv.Out.IsJson)
            inv.Host.Error.WriteLine(inv.Out.T(
                $"This replaces the login of {before} on {previous.Server} in profile '{inv.Store.Profile}'. To keep several logins, give each its own: penguin --profile NAME login <number>.",
                $"这替换了档案“{inv.Store.Profile}”中 {before}（{previous.Server}）的登录。要同时保留多个登录，请各用一个档案：penguin --profile 名称 login <账号>。"));

        var serverText = server.GetLeftPart(UriPartial.Authority);
        var status = previous.Number == number ? previous.Status : null;
        inv.SaveConfig(new CliConfig(serverText, number, login.Token, login.SessionId, [.. live], status));
        inv.Out.Result(new LoggedIn(serverText, number, login.SessionId, login.Profile), CliJson.Wire.LoggedIn, l =>
            inv.Out.Line($"Logged in as {Words.Person(l.Profile)} on {l.Server}.", $"已登录：{Words.Person(l.Profile)}，服务器 {l.Server}。"));
        return 0;
    }

    private static async Task<int> ProfilesAsync(Invocation inv)
    {
        var entries = ConfigStore.All(inv.Host)
            .Select(store => (store, config: store.Load()))
            .Select(p => new ProfileEntry(p.store.Profile, p.config.Server, p.config.Token is null ? null : p.config.Number, p.store.Path == inv.Store.Path))
            .ToArray();
        inv.Out.Result(new ProfileList(entries), CliJson.Wire.ProfileList, list =>
        {
            foreach (var e in list.Profiles)
                inv.Out.Line($"{(e.Current ? "*" : " ")} {Words.Pad(e.Name, 16)} " +
                    (e.Number is { } n ? $"{n} @ {e.Server}" : inv.Out.T("(logged out)", "（未登录）")));
            if (list.Profiles.Length == 0) inv.Out.Line("No saved logins: 'penguin login <number>' saves one.", "没有保存的登录：用“penguin login <账号>”登录。");
            else inv.Out.Line("* this profile; another: penguin --profile NAME <command> (or PENGUIN_PROFILE=NAME)",
                "* 当前档案；使用其他档案：penguin --profile 名称 <命令>（或 PENGUIN_PROFILE=名称）");
        });
        await Task.CompletedTask;
        return 0;
    }

    private static async Task<int> LogoutAsync(Invocation inv)
    {
        using var client = inv.Client();
        if (inv.LongOption("session") is { } sessionId && sessionId != inv.Config.SessionId)
        {
            if (inv.Flag("all")) throw inv.Usage("Use --all or --session, not both.", "--all 与 --session 只能选一个。");
            await client.LogoutSessionAsync(sessionId, inv.Cancel);
            inv.Out.Done($"Session {sessionId} logged out.", $"已退出设备 {sessionId}。");
            return 0;
        }
        if (inv.Flag("all"))
        {
            try { await client.LogoutAllAsync(inv.Cancel); }
            catch (PenguinException e) when (e.Error.Code == Errors.InvalidToken.Code) { }
        }
        else
        {
            // Every device session of this login (the main one and those of live commands).
            foreach (var session in inv.Config.Sessions)
            {
                using var one = new PenguinClient(client.BaseUri) { Token = session.Token };
                try { await one.LogoutAsync(inv.Cancel); }
                catch (PenguinException e) when (e.Error.Code == Errors.InvalidToken.Code)
                {
                    // Already ended on the server: forgetting it here is all that is left to do.
                }
            }
        }
        inv.SaveConfig(inv.Config with { Token = null, SessionId = null, Live = null });
        inv.Out.Done(inv.Flag("all") ? "Logged out on every device." : "Logged out.", inv.Flag("all") ? "已退出所有设备。" : "已退出登录。");
        return 0;
    }

    private static async Task<int> SessionsAsync(Invocation inv)
    {
        using var client = inv.Client();
        var sessions = await client.GetSessionsAsync(inv.Cancel);
        inv.Out.Result(sessions, Json.SessionList, list =>
        {
            var mine = inv.Config.Sessions.Select(x => x.SessionId).ToHashSet();
            foreach (var s in list.Sessions.OrderByDescending(s => s.LastSeenAt))
                inv.Out.Line($"{(mine.Contains(s.Id) ? "*" : " ")} {s.Id,-6} {Words.Pad(inv.Out.Device(s.Device), 7)} {Words.Pad(s.DeviceName ?? "", 28)} " +
                    inv.Out.T($"last seen {Words.Time(s.LastSeenAt)}", $"最近活动 {Words.Time(s.LastSeenAt)}"));
            inv.Out.Line("* this login (one session per penguin command that stays connected)", "* 本登录（每个保持连接的 penguin 命令占用一个会话）");
        });
        return 0;
    }

    private static async Task<int> WhoAmIAsync(Invocation inv)
    {
        using var client = inv.Client();
        var me = await client.GetMeAsync(inv.Cancel);
        inv.Out.Result(me, Json.Me, m =>
        {
            inv.Out.Line($"{Words.Person(m.Profile)} @ {inv.Server.GetLeftPart(UriPartial.Authority)}");
            ProfileCommands.WriteProfile(inv.Out, m.Profile);
        });
        return 0;
    }

    private static string DefaultDeviceName() => Truncate($"penguin CLI on {Environment.MachineName}");

    private static string Truncate(string name) => name.Length <= Limits.DeviceNameMaxLength ? name : name[..Limits.DeviceNameMaxLength];
}
