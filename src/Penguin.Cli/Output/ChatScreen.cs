using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Output;

/// <summary>
/// The chat's terminal: lines from the live connection and from the user's sends come from different tasks, so
/// every write goes through one lock. On a terminal the input line is edited here key by key, so that incoming
/// lines are printed above it (and it is redrawn) and the first key of a message can say "typing" (a slash command
/// never does).
/// </summary>
public sealed class ChatScreen(CliHost host, Printer printer)
{
    private const string Prompt = "› ";
    private readonly Lock _lock = new();
    private readonly StringBuilder _input = new();

    public Printer Printer => printer;

    public bool IsJson => printer.IsJson;

    /// <summary>Both ends are a terminal: a prompt and a line editor. Otherwise plain lines in, plain lines out.</summary>
    public bool Interactive { get; } = host.InputIsTerminal && host.OutputIsTerminal;

    public void Line(string text)
    {
        if (printer.IsJson) return;
        lock (_lock)
        {
            ClearInput();
            host.Out.WriteLine(text);
            RedrawInput();
        }
    }

    public void Line(string en, string zh) => Line(printer.T(en, zh));

    public void Json<T>(T value, JsonTypeInfo<T> type)
    {
        if (!printer.IsJson) return;
        lock (_lock)
        {
            host.Out.WriteLine(JsonSerializer.Serialize(value, type));
            host.Out.Flush();
        }
    }

    public void Frame(ServerFrame frame) => Json(frame, PenguinJson.Wire.ServerFrame);

    public void Error(Error error)
    {
        lock (_lock)
        {
            ClearInput();
            host.Out.Flush();
            printer.Error(error);
            host.Error.Flush();
            RedrawInput();
        }
    }

    /// <summary>The next line typed or piped in; null at the end of the input (Ctrl+D on an empty line).</summary>
    public async Task<string?> ReadLineAsync(Action startedTyping, CancellationToken ct) =>
        // Reading blocks a thread and cannot be cancelled: give it its own, and stop waiting when asked to.
        Interactive
            ? await Task.Run(() => ReadKeys(startedTyping), CancellationToken.None).WaitAsync(ct)
            : await Task.Run(host.In.ReadLine, CancellationToken.None).WaitAsync(ct);

    private string? ReadKeys(Action startedTyping)
    {
        lock (_lock) RedrawInput();
        var signalled = false;
        while (true)
        {
            var key = host.ReadKey();
            var first = false;
            lock (_lock)
            {
                if (key.Key == ConsoleKey.Enter)
                {
                    var text = _input.ToString();
                    _input.Clear();
                    ClearInput();
                    host.Out.Flush();
                    return text;
                }
                if (key.Key == ConsoleKey.D && key.Modifiers.HasFlag(ConsoleModifiers.Control) && _input.Length == 0) return null;
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (_input.Length > 0) _input.Length--;
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    _input.Append(key.KeyChar);
                    first = !signalled && IsMessage(_input);
                    signalled |= first;
                }
                ClearInput();
                RedrawInput();
            }
            if (first) startedTyping();
        }
    }

    /// <summary>What is typed so far will be sent as a message: not a slash command ("//" starts a text with "/").</summary>
    public static bool IsMessage(StringBuilder input) =>
        input.Length > 0 && (input[0] != '/' || (input.Length > 1 && input[1] == '/'));

    private void ClearInput()
    {
        if (Interactive) host.Out.Write("\r\e[K");
    }

    private void RedrawInput()
    {
        if (Interactive) host.Out.Write(Prompt + _input);
        host.Out.Flush();
    }
}
