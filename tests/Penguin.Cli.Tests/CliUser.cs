using System.Text;
using System.Text.Json;
using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

public sealed record CliResult(int Exit, string Out, string Err);

/// <summary>A person at a terminal: their own PENGUIN_HOME, running the real CLI in-process.</summary>
public sealed class CliUser : IDisposable
{
    public const string Password = "correct horse 1";
    private static int _counter;

    public CliUser(string server, string lang = "en_US.UTF-8")
    {
        Server = server;
        Home = Directory.CreateTempSubdirectory("penguin-cli-home-").FullName;
        Env = new() { ["PENGUIN_HOME"] = Home, ["PENGUIN_SERVER"] = server, ["LANG"] = lang };
    }

    public string Server { get; }
    public string Home { get; }
    public Dictionary<string, string> Env { get; }
    public long Number { get; private set; }
    public string Nickname { get; private set; } = "";

    /// <summary>A fresh account, registered and logged in through the CLI.</summary>
    public static async Task<CliUser> CreateAsync(string server, string nickname)
    {
        var user = new CliUser(server);
        user.Nickname = $"{nickname}{Interlocked.Increment(ref _counter)}";
        var registered = await user.RunOkAsync("register", user.Nickname, "--password", Password, "--json");
        user.Number = JsonSerializer.Deserialize(registered, PenguinJson.Wire.RegisterResponse)!.Number;
        await user.RunOkAsync("login", user.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "--password", Password);
        return user;
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, input: null);

    public async Task<CliResult> RunAsync(string[] args, string? input, TextWriter? output = null, TimeSpan? pingInterval = null, TextReader? stdin = null,
        KeyInput? keys = null, CancellationToken ct = default)
    {
        var stdout = output ?? new StringWriter();
        var stderr = new StringWriter();
        var host = new CliHost(stdout, stderr, stdin ?? new StringReader(input ?? ""), name => Env.GetValueOrDefault(name))
        {
            PingInterval = pingInterval ?? TimeSpan.FromSeconds(20),
            // Keys given: a terminal at both ends, typed key by key.
            InputIsTerminal = keys is not null,
            OutputIsTerminal = keys is not null,
            ReadKey = keys is null ? () => throw new InvalidOperationException("not a terminal") : keys.Read,
        };
        var exit = await Program.RunAsync(args, host, ct);
        return new CliResult(exit, stdout.ToString() ?? "", stderr.ToString());
    }

    /// <summary>Runs a command that must succeed and returns its standard output.</summary>
    public async Task<string> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.Exit == 0, $"penguin {string.Join(' ', args)} exited {result.Exit}: {result.Err}");
        return result.Out;
    }

    public string N => Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A writer the watch can append to while the test reads it.</summary>
public sealed class LockedWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) { lock (_text) _text.Append(value); }

    public override void Write(string? value) { lock (_text) _text.Append(value); }

    public override void Write(char[] buffer, int index, int count) { lock (_text) _text.Append(buffer, index, count); }

    public override string ToString() { lock (_text) return _text.ToString(); }

    /// <summary>The text after the last redraw separator: what the screen shows now.</summary>
    public string LastFrame()
    {
        var text = ToString();
        var at = text.LastIndexOf("--- ", StringComparison.Ordinal);
        return at < 0 ? text : text[at..];
    }

    /// <summary>Waits until the current frame satisfies the condition.</summary>
    public async Task<string> WaitForFrameAsync(Func<string, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = LastFrame();
            if (condition(frame)) return frame;
            if (TimeProvider.System.GetUtcNow() > deadline) throw new TimeoutException($"The watch never showed the expected frame; output so far:\n{this}");
            await Task.Delay(50);
        }
    }
}

/// <summary>Standard input as a pipe the test writes to: ReadLine blocks until a line is written or the pipe is closed.</summary>
public sealed class PipeInput : TextReader
{
    private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = [];

    public void WriteLine(string line) => _lines.Add(line);

    /// <summary>The end of the input, as when the writing process exits.</summary>
    public void End() => _lines.CompleteAdding();

    public override string? ReadLine() => _lines.TryTake(out var line, Timeout.Infinite) ? line : null;

    protected override void Dispose(bool disposing)
    {
        if (disposing) _lines.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A terminal's keyboard for the test to type on: Read blocks until a key is typed.</summary>
public sealed class KeyInput : IDisposable
{
    private readonly System.Collections.Concurrent.BlockingCollection<ConsoleKeyInfo> _keys = [];

    /// <summary>Types the text; '\n' is Enter, '\x04' is Ctrl+D.</summary>
    public void Type(string text)
    {
        foreach (var c in text)
            _keys.Add(c switch
            {
                '\n' => new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false),
                '\x04' => new ConsoleKeyInfo('\x04', ConsoleKey.D, false, false, true),
                _ => new ConsoleKeyInfo(c, ConsoleKey.A, false, false, false),
            });
    }

    public ConsoleKeyInfo Read() => _keys.Take();

    public void Dispose() => _keys.Dispose();
}
