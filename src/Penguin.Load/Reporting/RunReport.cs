using Penguin.Load.Measurement;

namespace Penguin.Load.Reporting;

/// <summary>Everything a run found, as written to the JSON report (and rendered to Markdown and SVG).</summary>
public sealed record RunReport(
    string Scenario,
    string Description,
    DateTimeOffset StartedAt,
    double WallSeconds,
    RunSettings Settings,
    OperationReport[] Operations,
    Figure[] Figures,
    ServerReport Server,
    ClientReport Client,
    string[] Notes,
    SeriesPoint[] Series,
    string[] Failures,
    PhaseReport[]? Phases = null)
{
    /// <summary>"passed", or "FAILED" when the scenario's own checks failed (see <see cref="Failures"/>).</summary>
    public string Verdict => Failures.Length == 0 ? "passed" : "FAILED";
}

public sealed record RunSettings(string Server, int Users, double DurationSeconds, int Concurrency, int SourceAddresses, bool SpawnedServer, bool FastPasswords, string Machine);

/// <summary>One kind of operation: planned, attempted, succeeded and failed add up (attempted = succeeded + failed + in flight at the end).</summary>
public sealed record OperationReport(
    string Name,
    bool Measured,
    long Planned,
    long Attempted,
    long Succeeded,
    long Failed,
    long NotStarted,
    double ActiveSeconds,
    double ThroughputPerSecond,
    LatencySummary LatencyMs,
    Dictionary<string, long> Errors)
{
    public static OperationReport From(OperationStats s) => new(
        s.Name, s.Measured, s.Planned, s.Attempted, s.Succeeded, s.Failed, Math.Max(0, s.Planned - s.Attempted),
        s.ActiveSeconds, s.Throughput, s.Latency.Summarize(), new Dictionary<string, long>(s.Errors, StringComparer.Ordinal));
}

public sealed record Figure(string Name, double Value);

/// <summary>The server process over the run, from /proc/&lt;pid&gt;: CPU (utime + stime) and resident memory.</summary>
public sealed record ServerReport(int? Pid, double? CpuSeconds, double? CpuPercentOfOneCore, long? RssStartKiB, long? RssEndKiB, long? RssPeakKiB, int? Threads);

/// <summary>This load tool's own cost, for context: it shares the machine with the server.</summary>
public sealed record ClientReport(double CpuSeconds, long RssKiB, long PeakRssKiB);

/// <summary>
/// One phase of a run (an hour of a compressed day): devices online, logins, messages and their delivery latency,
/// errors, and the server's CPU and memory over the phase.
/// </summary>
public sealed record PhaseReport(
    string Name,
    double Seconds,
    double OnlineAverage,
    long OnlineMax,
    long Logins,
    long Logouts,
    long Drops,
    long MessagesPlanned,
    long MessagesSent,
    long MessagesAcknowledged,
    long Delivered,
    long DeliveredAfterLogin,
    double DeliveredPerSecond,
    LatencySummary DeliveryLatencyMs,
    long Reads,
    long PresenceChanges,
    long Pings,
    long Errors,
    double? ServerCoresBusy,
    long? ServerRssKiB);
