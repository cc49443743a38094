using System.Net.WebSockets;
using Penguin.Cli.Runtime;
using Penguin.Cli.Commands;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli;

/// <summary>
/// The <c>penguin</c> command. Exit codes: 0 done, 1 the server (or the network) said no, 2 the command line
/// was wrong, 70 a bug in penguin (one line, never a stack trace), 130 interrupted.
/// </summary>
public static class Program
{
    public const int Ok = 0, Failed = 1, BadUsage = 2, Bug = 70, Interrupted = 130;

    /// <summary>The command table: every command, in the order help lists them.</summary>
    public static IReadOnlyList<CommandSpec> Commands { get; } =
    [
        .. AccountCommands.All, .. ProfileCommands.All, .. FriendCommands.All,
        .. MessageCommands.All, .. FileCommands.All, .. ChatGroupCommands.All, .. GroupCommands.All, .. BlockCommands.All, .. PresenceCommands.All, .. WalletCommands.All,
    ];

    public static async Task<int> Main(string[] args)
    {
        Console.OutputEncoding = System.Text.Encoding.UTF8;
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C ends the command cleanly (closing the connection); a second one kills it.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        };
        // 'kill' and a closed terminal end a live command the same clean way (the connection says goodbye).
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        using var hangUp = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, Stop);
        return await RunAsync(args, CliHost.FromConsole(), cancel.Token);

        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested) return;
            context.Cancel = true;
            cancel.Cancel();
        }
    }

    /// <summary>Runs one command line against the given host; the whole CLI, minus the console.</summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct = default)
    {
        var printer = new Printer(host, args.Contains("--json"), LanguageOf(args, host));
        ParsedLine line;
        try
        {
            line = CommandLine.Parse(args, Commands);
        }
        catch (UsageException e)
        {
            return UsageError(host, printer, e);
        }
        printer = new Printer(host, line.Global.Json, line.Global.Lang ?? LanguageOf([], host));
        if (line.Global.Help)
        {
            if (line.Command is null) HelpText.WriteOverview(host.Out, Commands);
            else HelpText.WriteCommand(host.Out, line.Command);
            return Ok;
        }

        Invocation? invocation = null;
        try
        {
            invocation = new Invocation(host, line, printer, ConfigStore.For(host, line.Global.Profile), ct);
            return await line.Command!.Run(invocation);
        }
        catch (UsageException e)
        {
            return UsageError(host, printer, e);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.InvalidToken.Code && invocation is not null)
        {
            printer.Error(e.Error.With(
                $"This login's session has ended (logged out on another device, or the server's data was reset); run 'penguin login {invocation.Config.Number}' again.",
                $"此登录的会话已结束（在其他设备上退出，或服务器数据已重置）；请重新运行“penguin login {invocation.Config.Number}”。"));
            return Failed;
        }
        catch (PenguinException e)
        {
            printer.Error(e.Error);
            return Failed;
        }
        catch (CliException e) when (e.IsNotLoggedIn && invocation is not null)
        {
            printer.Error(await NotLoggedInAsync(invocation));
            return Failed;
        }
        catch (CliException e)
        {
            printer.Error(e.Error);
            return Failed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Interrupted;
        }
        catch (Exception e) when (e is HttpRequestException or WebSocketException or TaskCanceledException or TimeoutException)
        {
            printer.Error(Unreachable(invocation?.ServerText ?? "?", e));
            return Failed;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            var url = invocation?.ServerText ?? "?";
            printer.Error(Errors.Unavailable.With($"The server at {url} did not answer like a Penguin server ({e.Message}); check --server or $PENGUIN_SERVER.",
                $"{url} 的应答不像企鹅服务器（{e.Message}）；请检查 --server 或 $PENGUIN_SERVER。"));
            return Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            printer.Error(Errors.Internal.With($"Cannot use the config directory: {e.Message} (set PENGUIN_HOME to a writable directory).",
                $"无法使用配置目录：{e.Message}（请把 PENGUIN_HOME 设为可写的目录）。"));
            return Failed;
        }
        catch (Exception e)
        {
            // A bug: one line that says so, never a stack trace (PENGUIN_DEBUG=1 shows it).
            printer.Error(Errors.Internal.With($"Unexpected error ({e.GetType().Name}: {e.Message}); this is a bug in penguin, please report it.",
                $"意外错误（{e.GetType().Name}：{e.Message}）；这是 penguin 的缺陷，请报告。"));
            if (host.GetEnv("PENGUIN_DEBUG") is { Length: > 0 }) host.Error.WriteLine(e);
            return Bug;
        }
    }

    /// <summary>"Not logged in", unless the server does not answer at all: then that is what to fix first.</summary>
    private static async Task<Error> NotLoggedInAsync(Invocation inv)
    {
        var url = inv.ServerText;
        try
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var _ = await probe.GetAsync(new Uri(new Uri(url), "/api/v1/avatars"), inv.Cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return Unreachable(url, e);
        }
        var profile = inv.Store.Profile == ConfigStore.DefaultProfile ? "" : $" --profile {inv.Store.Profile}";
        return Errors.NotAuthenticated.With(
            $"Not logged in to {url}{(profile.Length > 0 ? $" in profile '{inv.Store.Profile}'" : "")}: run 'penguin{profile} login <number>' first ('penguin register <nickname>' gives you a number).",
            $"尚未登录 {url}{(profile.Length > 0 ? $"（档案 {inv.Store.Profile}）" : "")}：请先运行“penguin{profile} login <账号>”（没有账号可用“penguin register <昵称>”注册）。");
    }

    /// <summary>The server did not answer: say where we looked and how to start it.</summary>
    public static Error Unreachable(string url, Exception? e = null)
    {
        var why = e is null ? "" : $" ({e.Message})";
        return Errors.Unavailable.With(
            $"The server is unreachable at {url}{why}. Is it running? Start it with scripts/run.sh, or point --server / $PENGUIN_SERVER at it.",
            $"无法连接服务器 {url}{why}。服务器在运行吗？可用 scripts/run.sh 启动，或用 --server / $PENGUIN_SERVER 指定地址。");
    }

    private static int UsageError(CliHost host, Printer printer, UsageException e)
    {
        printer.Error(new Error("usage", e.Message, e.MessageZh));
        if (!printer.IsJson) HelpText.WriteUsage(host.Error, e.Command);
        return BadUsage;
    }

    private static readonly string[] LocaleVariables = ["LC_ALL", "LC_MESSAGES", "LANG"];

    /// <summary>--lang wins; else the locale variables, Chinese for any zh_* locale.</summary>
    private static Lang LanguageOf(string[] args, CliHost host)
    {
        var index = Array.FindIndex(args, a => a == "--lang" || a.StartsWith("--lang=", StringComparison.Ordinal));
        var explicitLang = index < 0 ? null : args[index].Length > 6 ? args[index][7..] : index + 1 < args.Length ? args[index + 1] : null;
        if (explicitLang is "zh") return Lang.Zh;
        if (explicitLang is "en") return Lang.En;
        var locale = LocaleVariables.Select(host.GetEnv).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        return locale?.StartsWith("zh", StringComparison.OrdinalIgnoreCase) == true ? Lang.Zh : Lang.En;
    }
}
