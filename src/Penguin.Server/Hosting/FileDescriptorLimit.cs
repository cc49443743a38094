using System.Globalization;

namespace Penguin.Server.Hosting;

/// <summary>The process's own open-file limit (RLIMIT_NOFILE, as /proc/self/limits reports it), from which the connection caps are derived.</summary>
public static class FileDescriptorLimit
{
    /// <summary>The soft limit; 1,024 where it cannot be read (not Linux).</summary>
    public static long Soft { get; } = Read();

    private static long Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? Math.Min(soft, int.MaxValue) : int.MaxValue;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return 1024;
    }
}
