using System.Globalization;

namespace Penguin.Load.Measurement;

/// <summary>CPU seconds of the services a cluster run leans on, summed over their processes at one moment.</summary>
/// <param name="Postgres">every process named postgres (postmaster, backends, WAL writer, checkpointer…), including reaped backends</param>
/// <param name="PostgresBackends">only the backends connected to the run's database (their title names it)</param>
/// <param name="RabbitMq">beam.smp, the Erlang VM RabbitMQ runs in</param>
public sealed record ServiceCpu(double Postgres, double PostgresBackends, double RabbitMq);

/// <summary>
/// Reads the CPU of the PostgreSQL and RabbitMQ processes on this machine from /proc. They are shared: other
/// users of the same servers are counted too, which is why the run's own backends are also shown on their own.
/// </summary>
public sealed class ServiceProcesses(string? database)
{
    public const string PostgresCommand = "postgres";
    public const string RabbitMqCommand = "beam.smp";

    public ServiceCpu Read()
    {
        long postgres = 0, backends = 0, rabbit = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                switch (ProcFiles.ParseCommand(stat))
                {
                    case PostgresCommand:
                        var ticks = ProcFiles.ParseCpuTicks(stat, withReapedChildren: true);
                        postgres += ticks;
                        if (database is not null && IsBackendOf(File.ReadAllText(Path.Combine(dir, "cmdline")), database)) backends += ticks;
                        break;
                    case RabbitMqCommand:
                        rabbit += ProcFiles.ParseCpuTicks(stat, withReapedChildren: true);
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // gone between listing and reading, or not ours to read
            }
        }
        return new(postgres / ProcessSample.TicksPerSecond, backends / ProcessSample.TicksPerSecond, rabbit / ProcessSample.TicksPerSecond);
    }

    /// <summary>
    /// A backend's title is "postgres: [&lt;cluster name&gt;: ]&lt;user&gt; &lt;database&gt; &lt;client&gt; &lt;state&gt;" (the cmdline,
    /// NUL-padded; Debian sets the cluster name, e.g. "15/main:").
    /// </summary>
    public static bool IsBackendOf(string cmdline, string database)
    {
        var words = cmdline.Replace('\0', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || words[0] != "postgres:") return false;
        var user = words[1].EndsWith(':') ? 2 : 1;
        return words.Length > user + 1 && words[user + 1] == database;
    }
}
