using Penguin.Cli.Runtime;

namespace Penguin.Cli.Output;

/// <summary>Help generated from the command table, English with Chinese alongside.</summary>
public static class HelpText
{
    public static void WriteOverview(TextWriter w, IReadOnlyList<CommandSpec> table)
    {
        w.WriteLine("penguin — the Penguin command-line client / 企鹅命令行客户端");
        w.WriteLine();
        w.WriteLine("Usage / 用法: penguin <command> [arguments] [options]");
        foreach (var section in table.GroupBy(c => c.Section))
        {
            w.WriteLine();
            w.WriteLine(section.Key + ":");
            foreach (var c in section)
            {
                var head = $"  {c.Name} {c.Args}";
                w.WriteLine($"{head.PadRight(44)} {FirstSentence(c.Help)} / {FirstSentence(c.HelpZh)}");
            }
        }
        WriteOptions(w, "Global options / 全局选项:", GlobalOptions.Specs);
        w.WriteLine();
        w.WriteLine("Environment / 环境变量: PENGUIN_HOME (config directory / 配置目录), PENGUIN_SERVER, PENGUIN_PASSWORD");
        w.WriteLine("Run 'penguin help <command>' for details / 运行“penguin help <命令>”查看详情。");
    }

    public static void WriteCommand(TextWriter w, CommandSpec c)
    {
        w.WriteLine($"Usage / 用法: {c.Usage}");
        w.WriteLine();
        w.WriteLine($"  {c.Help}.");
        w.WriteLine($"  {c.HelpZh}。");
        if (c.Options.Length > 0) WriteOptions(w, "Options / 选项:", c.Options);
        WriteOptions(w, "Global options / 全局选项:", GlobalOptions.Specs);
    }

    public static void WriteUsage(TextWriter w, CommandSpec? c) =>
        w.WriteLine(c is null
            ? "Run 'penguin help' to list the commands / 运行“penguin help”查看所有命令。"
            : $"Usage / 用法: {c.Usage}   (penguin help {c.Name})");

    private static void WriteOptions(TextWriter w, string title, OptionSpec[] options)
    {
        w.WriteLine();
        w.WriteLine(title);
        foreach (var o in options)
            w.WriteLine($"{$"  --{o.Name} {o.Value}".PadRight(44)} {o.Help} / {o.HelpZh}");
    }

    private static string FirstSentence(string text) => text.Split(". ", 2)[0].Split("。", 2)[0].Split("：", 2)[0];
}
