using System.Text;
using System.Text.Json;
using System.Globalization;
using Penguin.Cli.Runtime;
using Penguin.Client;
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

    /// <summary>Makes two users friends through the CLI: <paramref name="bob"/> asks, <paramref name="alice"/> accepts.</summary>
    public static async Task BefriendAsync(CliUser alice, CliUser bob)
    {
        await bob.RunOkAsync("add", alice.N);
        var request = Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("requests", "--json"), PenguinJson.Wire.FriendRequestList)!.Incoming);
        await alice.RunOkAsync("accept", request.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The same account on another device, through the client library (not the CLI).</summary>
    public async Task<PenguinClient> LogInClientAsync(DeviceKind device = DeviceKind.Mobile)
    {
        var client = new PenguinClient(new Uri(Server));
        await client.LoginAsync(Number, Password, device);
        return client;
    }

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

    /// <summary>Waits until the output so far contains <paramref name="text"/>.</summary>
    public async Task WaitForTextAsync(string text)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (!ToString().Contains(text, StringComparison.Ordinal))
        {
            if (TimeProvider.System.GetUtcNow() > deadline) throw new TimeoutException($"The screen never showed '{text}'; output so far:\n{this}");
            await Task.Delay(25);
        }
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

/// <summary>Polls a condition the test cannot await directly (another process's screen, a friend's presence).</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition) => TrueAsync(() => Task.FromResult(condition()));

    public static async Task TrueAsync(Func<Task<bool>> condition)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline) throw new TimeoutException("The condition never became true.");
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
