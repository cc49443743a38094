using System.Globalization;

namespace Penguin.Cli.Runtime;

/// <summary>An option of one command: <c>--name VALUE</c>, or a flag when <see cref="Value"/> is null.</summary>
public sealed record OptionSpec(string Name, string? Value, string Help, string HelpZh);

/// <summary>
/// One row of the command table. <see cref="Args"/> is the usage text of the positional arguments and also
/// their rule: <c>&lt;x&gt;</c> required, <c>[x]</c> optional, a trailing <c>...</c> repeats.
/// </summary>
public sealed record CommandSpec(
    string Section, string Name, string Args, string Help, string HelpZh,
    Func<Invocation, Task<int>> Run, params OptionSpec[] Options)
{
    public string[] Path { get; } = Name.Split(' ');

    public string Usage => $"penguin {Name}{(Args.Length > 0 ? " " + Args : "")}{(Options.Length > 0 ? " [options]" : "")}";

    public int MinArgs => Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(a => a.StartsWith('<'));

    public int MaxArgs => Args.Contains("...", StringComparison.Ordinal) ? int.MaxValue
        : Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}

/// <summary>A mistake in the command line: shown with the usage, exit code 2.</summary>
public sealed class UsageException(string message, string messageZh, CommandSpec? command = null) : Exception(message)
{
    public string MessageZh { get; } = messageZh;
    public CommandSpec? Command { get; } = command;
}

public enum Lang { En, Zh }

/// <summary>The options every command understands.</summary>
public sealed record GlobalOptions(string? Server, bool Json, Lang? Lang, bool Help, string? Profile = null)
{
    public static readonly OptionSpec[] Specs =
    [
        new("server", "URL", "Server address (default: from config, else http://127.0.0.1:5180)", "服务器地址（默认取自配置，否则为 http://127.0.0.1:5180）"),
        new("profile", "NAME", "Which saved login to use (default: $PENGUIN_PROFILE, else 'default'); one login per profile", "使用哪个已保存的登录（默认取 $PENGUIN_PROFILE，否则为 default）；每个档案一个登录"),
        new("json", null, "Print machine-readable JSON", "输出机器可读的 JSON"),
        new("lang", "en|zh", "Language of messages (default: from LANG)", "提示语言（默认取自 LANG）"),
        new("help", null, "Show help (also -h)", "显示帮助（也可用 -h）"),
    ];
}

/// <summary>A parsed command line: the command found in the table, its arguments and options.</summary>
public sealed record ParsedLine(GlobalOptions Global, CommandSpec? Command, string[] Args, Dictionary<string, string> Options);

/// <summary>A small, strict parser over the command table: longest command name wins, unknown options are errors.</summary>
public static class CommandLine
{
    public static ParsedLine Parse(string[] argv, IReadOnlyList<CommandSpec> table)
    {
        string? server = null, lang = null, profile = null;
        bool json = false, help = false, endOfOptions = false;
        var words = new List<string>();
        var options = new List<(string Name, string? Inline)>();
        var rest = new Queue<string>(argv);
        // Words and option placeholders in order; an option's value (if any) is taken once the command is known.
        var raw = new List<(string Text, bool IsOption)>();
        while (rest.TryDequeue(out var arg))
        {
            if (endOfOptions || !arg.StartsWith('-') || arg == "-" || IsNegativeNumber(arg)) { raw.Add((arg, false)); continue; }
            if (arg == "--") { endOfOptions = true; continue; }
            if (arg == "-h") { help = true; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"Unknown option '{arg}'.", $"未知的选项“{arg}”。");
            var (name, inline) = arg[2..].Split('=', 2) is [var n, var v] ? (n, (string?)v) : (arg[2..], null);
            if (name.Length == 0) throw new UsageException($"Unknown option '{arg}'.", $"未知的选项“{arg}”。");
            switch (name)
            {
                case "server": server = inline ?? Next(rest, name); break;
                case "lang": lang = inline ?? Next(rest, name); break;
                case "profile": profile = inline ?? Next(rest, name); break;
                case "json": json = true; break;
                case "help": help = true; break;
                default:
                    options.Add((name, inline));
                    raw.Add((name, true));
                    break;
            }
        }

        Lang? language = lang switch
        {
            null => null,
            "en" => Lang.En,
            "zh" => Lang.Zh,
            _ => throw new UsageException("--lang must be en or zh.", "--lang 只能是 en 或 zh。"),
        };
        words.AddRange(raw.Where(r => !r.IsOption).Select(r => r.Text));
        if (profile is not null && !ConfigStore.IsProfileName(profile))
            throw new UsageException($"--profile must be 1–32 letters, digits, '-' or '_', not '{profile}'.", $"--profile 须为 1–32 个字母、数字、“-”或“_”，而不是“{profile}”。");
        var global = new GlobalOptions(server, json, language, help, profile);

        var command = table
            .Where(c => c.Path.Length <= words.Count && c.Path.SequenceEqual(words.Take(c.Path.Length)))
            .MaxBy(c => c.Path.Length);
        if (command is null)
        {
            if (words.Count == 0 || (words is ["help", ..]))
                return new ParsedLine(global with { Help = true }, FindForHelp(words.Skip(1).ToList(), table), [], []);
            var subcommands = table.Where(c => c.Path.Length > 1 && c.Path[0] == words[0]).Select(c => c.Path[1]).ToArray();
            if (subcommands.Length > 0)
                throw new UsageException(
                    $"'{words[0]}' needs one of: {string.Join(", ", subcommands)}.", $"“{words[0]}”需要子命令：{string.Join("、", subcommands)}。");
            throw new UsageException($"Unknown command '{words[0]}'.", $"未知的命令“{words[0]}”。");
        }

        // Second pass: give each option its value now that the command's option table is known.
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var args = new List<string>();
        var optionIndex = 0;
        var skip = command.Path.Length;
        for (var i = 0; i < raw.Count; i++)
        {
            if (!raw[i].IsOption)
            {
                if (skip > 0) skip--; else args.Add(raw[i].Text);
                continue;
            }
            var (name, inline) = options[optionIndex++];
            var spec = command.Options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"Unknown option '--{name}'.", $"未知的选项“--{name}”。", command);
            if (spec.Value is null)
            {
                if (inline is not null) throw new UsageException($"--{name} takes no value.", $"--{name} 不需要值。", command);
                values[name] = "true";
            }
            else if (inline is not null) values[name] = inline;
            else if (i + 1 < raw.Count && !raw[i + 1].IsOption) values[name] = raw[++i].Text;
            else throw new UsageException($"--{name} needs a value ({spec.Value}).", $"--{name} 需要一个值（{spec.Value}）。", command);
        }

        if (!help && (args.Count < command.MinArgs || args.Count > command.MaxArgs))
            throw new UsageException(
                args.Count < command.MinArgs ? "Missing arguments." : "Too many arguments.",
                args.Count < command.MinArgs ? "缺少参数。" : "参数过多。", command);
        if (!help) CheckNumbers(command, args, values);
        return new ParsedLine(global, command, [.. args], values);
    }

    private static readonly string[] NumericArgs = ["<number>", "[number]", "<requestId>", "<groupId>", "<id>", "<id>..."];

    /// <summary>Arguments and options that name ids must be numbers: caught here, before any network call.</summary>
    private static void CheckNumbers(CommandSpec command, List<string> args, Dictionary<string, string> values)
    {
        var names = command.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < args.Count; i++)
        {
            var name = names[Math.Min(i, names.Length - 1)];
            // 'requests' shows "#12": accept '#12' as well as 12.
            if (name == "<requestId>" && args[i].StartsWith('#')) args[i] = args[i][1..];
            if (NumericArgs.Contains(name) && !IsNumber(args[i]))
                throw new UsageException($"{name.Trim('<', '>', '[', ']', '.')} must be a number, not '{args[i]}'.", $"{name.Trim('<', '>', '[', ']', '.')} 须为数字，而不是“{args[i]}”。", command);
        }
        foreach (var option in command.Options.Where(o => o.Value == "ID"))
            if (values.TryGetValue(option.Name, out var v) && !IsNumber(v))
                throw new UsageException($"--{option.Name} must be a number, not '{v}'.", $"--{option.Name} 须为数字，而不是“{v}”。", command);
    }

    private static bool IsNumber(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static CommandSpec? FindForHelp(List<string> words, IReadOnlyList<CommandSpec> table) =>
        table.Where(c => c.Path.Length <= words.Count && c.Path.SequenceEqual(words.Take(c.Path.Length))).MaxBy(c => c.Path.Length);

    private static string Next(Queue<string> rest, string name) =>
        rest.TryDequeue(out var value) ? value : throw new UsageException($"--{name} needs a value.", $"--{name} 需要一个值。");

    private static bool IsNegativeNumber(string arg) => long.TryParse(arg, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
