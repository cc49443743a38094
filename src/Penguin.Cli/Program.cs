using System.Net.WebSockets;
using Penguin.Cli.Runtime;
using Penguin.Cli.Commands;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli;

/// <summary>
/// The <c>penguin</c> command. Exit codes: 0 done, 1 the server (or the network) said no, 2 the command line
/// was wrong, 130 interrupted.
/// </summary>
public static class Program
{
    public const int Ok = 0, Failed = 1, BadUsage = 2, Interrupted = 130;

    /// <summary>The command table: every command, in the order help lists them.</summary>
    public static IReadOnlyList<CommandSpec> Commands { get; } =
    [
        .. AccountCommands.All, .. ProfileCommands.All, .. FriendCommands.All,
        .. MessageCommands.All, .. GroupCommands.All, .. BlockCommands.All, .. PresenceCommands.All,
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
        return await RunAsync(args, CliHost.FromConsole(), cancel.Token);
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

        try
        {
            var invocation = new Invocation(host, line, printer, ConfigStore.For(host), ct);
            return await line.Command!.Run(invocation);
        }
        catch (UsageException e)
        {
            return UsageError(host, printer, e);
        }
        catch (PenguinException e)
        {
            printer.Error(e.Error);
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
            printer.Error(Errors.Unavailable.With($"Cannot reach the server: {e.Message}", $"无法连接服务器：{e.Message}"));
            return Failed;
        }
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
