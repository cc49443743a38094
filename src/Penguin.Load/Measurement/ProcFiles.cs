using System.Globalization;

namespace Penguin.Load.Measurement;

/// <summary>CPU time and memory of a process as Linux reports them in /proc/&lt;pid&gt;/stat and /proc/&lt;pid&gt;/status.</summary>
public sealed record ProcessSample(long CpuTicks, long RssKiB, long PeakRssKiB, int Threads)
{
    /// <summary>USER_HZ: the unit of utime and stime. 100 on every mainstream Linux build.</summary>
    public const double TicksPerSecond = 100;

    public double CpuSeconds => CpuTicks / TicksPerSecond;

    /// <summary>Several processes (the nodes of a cluster) as one: CPU, memory and threads added up.</summary>
    public static ProcessSample Sum(IEnumerable<ProcessSample> samples)
    {
        long cpu = 0, rss = 0, peak = 0;
        var threads = 0;
        foreach (var s in samples)
        {
            cpu += s.CpuTicks;
            rss += s.RssKiB;
            peak += s.PeakRssKiB;
            threads += s.Threads;
        }
        return new(cpu, rss, peak, threads);
    }
}

/// <summary>Parsers for the /proc text formats (pure functions, tested on sample text).</summary>
public static class ProcFiles
{
    /// <summary>utime + stime (fields 14 and 15) from /proc/&lt;pid&gt;/stat. The command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    /// <remarks>
    /// With <paramref name="withReapedChildren"/> also cutime + cstime (fields 16 and 17): the CPU of children that
    /// exited and were waited for, e.g. PostgreSQL backends of closed connections, charged to the postmaster.
    /// </remarks>
    public static long ParseCpuTicks(string stat, bool withReapedChildren = false)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0) throw new FormatException("No command name in /proc stat text.");
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); utime is field 14, stime field 15, cutime 16, cstime 17.
        if (fields.Length < 15) throw new FormatException("Too few fields in /proc stat text.");
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return Field(11) + Field(12) + (withReapedChildren ? Field(13) + Field(14) : 0);
    }

    /// <summary>The command name (field 2, between the first '(' and the last ')') of /proc/&lt;pid&gt;/stat text.</summary>
    public static string ParseCommand(string stat)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open) throw new FormatException("No command name in /proc stat text.");
        return stat[(open + 1)..close];
    }

    /// <summary>A "Key:   123 kB" (or plain number) line of /proc/&lt;pid&gt;/status; null when absent.</summary>
    public static long? ParseStatusValue(string status, string key)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
            var value = line[(key.Length + 1)..].Trim();
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0) value = value[..space];
            return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        return null;
    }

    public static ProcessSample Parse(string stat, string status) => new(
        ParseCpuTicks(stat),
        ParseStatusValue(status, "VmRSS") ?? 0,
        ParseStatusValue(status, "VmHWM") ?? 0,
        (int)(ParseStatusValue(status, "Threads") ?? 0));

    /// <summary>
    /// CPU seconds (utime + stime) of the threads of a live process named <paramref name="threadName"/>
    /// (/proc/&lt;pid&gt;/task/*/comm, at most 15 characters); null when there is none or the process has gone.
    /// </summary>
    public static double? ThreadCpuSeconds(int pid, string threadName)
    {
        try
        {
            long ticks = 0;
            var found = false;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
            {
                if (File.ReadAllText($"{task}/comm").TrimEnd('\n') != threadName) continue;
                ticks += ParseCpuTicks(File.ReadAllText($"{task}/stat"));
                found = true;
            }
            return found ? ticks / ProcessSample.TicksPerSecond : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // the process (or a thread) ended while being read
        }
    }

    /// <summary>Reads a live process; null when it has gone or /proc is unavailable.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            var dir = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
            return Parse(File.ReadAllText($"{dir}/stat"), File.ReadAllText($"{dir}/status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
