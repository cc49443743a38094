using System.Globalization;
using Penguin.Cli.Runtime;

namespace Penguin.Cli.Output;

/// <summary>
/// A one-line progress bar on standard error, redrawn in place on a terminal (never mixed into the answer on standard
/// output, nor drawn into a pipe or a log). Reports are bytes done of <see cref="Total"/>.
/// </summary>
public sealed class ProgressBar(CliHost host, Printer printer, string label, long total) : IProgress<long>
{
    private const int Width = 30;
    private readonly bool _draw = host.OutputIsTerminal && !printer.IsJson;
    private int _lastPermille = -1;
    private bool _drawn;

    public long Total => total;

    public void Report(long value)
    {
        if (!_draw) return;
        var permille = total <= 0 ? 1000 : (int)Math.Clamp(value * 1000 / total, 0, 1000);
        if (permille == _lastPermille) return;
        _lastPermille = permille;
        var filled = permille * Width / 1000;
        host.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {permille / 10,3}% {Size(value)}/{Size(total)}"));
        _drawn = true;
    }

    /// <summary>Ends the bar's line, so what follows starts on a line of its own.</summary>
    public void End()
    {
        if (!_drawn) return;
        host.Error.WriteLine();
        _drawn = false;
        _lastPermille = -1;
    }

    /// <summary>A size as people read it: 512 B, 1.5 KiB, 27.0 MiB, 1.20 GiB.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };
}
