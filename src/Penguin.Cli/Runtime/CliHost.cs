namespace Penguin.Cli.Runtime;

/// <summary>
/// Everything the CLI touches outside itself: its streams, its environment and the terminal.
/// The real program uses <see cref="FromConsole"/>; tests pass writers and a dictionary.
/// </summary>
public sealed record CliHost(TextWriter Out, TextWriter Error, TextReader In, Func<string, string?> GetEnv)
{
    /// <summary>Output goes to a terminal: the live buddy list redraws in place instead of appending.</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>Input comes from a terminal: passwords are read key by key without echo.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Reads one key without echo when input is a terminal (tests give their own keys).</summary>
    public Func<ConsoleKeyInfo> ReadKey { get; init; } = () => Console.ReadKey(intercept: true);

    /// <summary>How often a live connection pings so the server's heartbeat timeout does not drop it.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(20);

    public static CliHost FromConsole() => new(Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable)
    {
        OutputIsTerminal = !Console.IsOutputRedirected,
        InputIsTerminal = !Console.IsInputRedirected,
    };

    /// <summary>Reads a secret line: without echo on a terminal, as a plain line otherwise.</summary>
    public string? ReadSecret(string prompt)
    {
        if (!InputIsTerminal) return In.ReadLine();
        Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = ReadKey();
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Error.WriteLine();
        return text.ToString();
    }
}
