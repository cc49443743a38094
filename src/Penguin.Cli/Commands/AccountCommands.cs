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
            new("name", "NAME", "Device name shown in sessions", "在设备列表中显示的名称")),
        new(Section, "logout", "", "Log out this device", "退出登录", LogoutAsync,
            new("all", null, "Log out every device of the account", "退出所有设备"),
            new("session", "ID", "Log out one other device (see 'sessions')", "退出指定设备（见 sessions）")),
        new(Section, "sessions", "", "List logged-in devices", "列出已登录的设备", SessionsAsync),
        new(Section, "whoami", "", "Show who is logged in", "显示当前登录的账号", WhoAmIAsync),
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
        var password = inv.Password(confirm: false);
        var server = inv.Server;
        using var client = inv.Anonymous();
        var login = await client.LoginAsync(number, password, device, name, inv.Cancel);

        // Logging in again replaces this device's previous session: end it rather than leave it dangling.
        var previous = inv.Config;
        if (previous.Token is not null && Invocation.SameServer(previous.Server, server))
        {
            using var old = new PenguinClient(server) { Token = previous.Token };
            try { await old.LogoutAsync(inv.Cancel); } catch (PenguinException) { }
        }

        var serverText = server.GetLeftPart(UriPartial.Authority);
        inv.SaveConfig(new CliConfig(serverText, number, login.Token, login.SessionId));
        inv.Out.Result(new LoggedIn(serverText, number, login.SessionId, login.Profile), CliJson.Wire.LoggedIn, l =>
            inv.Out.Line($"Logged in as {Words.Person(l.Profile)} on {l.Server}.", $"已登录：{Words.Person(l.Profile)}，服务器 {l.Server}。"));
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
        try
        {
            if (inv.Flag("all")) await client.LogoutAllAsync(inv.Cancel);
            else await client.LogoutAsync(inv.Cancel);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.InvalidToken.Code)
        {
            // Already ended on the server: forgetting it here is all that is left to do.
        }
        inv.SaveConfig(inv.Config with { Token = null, SessionId = null });
        inv.Out.Done(inv.Flag("all") ? "Logged out on every device." : "Logged out.", inv.Flag("all") ? "已退出所有设备。" : "已退出登录。");
        return 0;
    }

    private static async Task<int> SessionsAsync(Invocation inv)
    {
        using var client = inv.Client();
        var sessions = await client.GetSessionsAsync(inv.Cancel);
        inv.Out.Result(sessions, Json.SessionList, list =>
        {
            foreach (var s in list.Sessions.OrderByDescending(s => s.LastSeenAt))
                inv.Out.Line($"{(s.Current ? "*" : " ")} {s.Id,-6} {inv.Out.Device(s.Device),-7} {s.DeviceName,-24} " +
                    inv.Out.T($"last seen {Words.Time(s.LastSeenAt)}", $"最近活动 {Words.Time(s.LastSeenAt)}"));
            inv.Out.Line("* this device", "* 当前设备");
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

    private static string DefaultDeviceName()
    {
        var name = $"penguin CLI on {Environment.MachineName}";
        return name.Length <= Limits.DeviceNameMaxLength ? name : name[..Limits.DeviceNameMaxLength];
    }
}
