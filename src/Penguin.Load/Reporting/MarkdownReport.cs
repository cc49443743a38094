using System.Text;
using static Penguin.Load.Reporting.Format;

namespace Penguin.Load.Reporting;

/// <summary>The human-readable report: settings, headline figures, every operation's accounting and latency, server cost.</summary>
public static class MarkdownReport
{
    public static string Render(RunReport r, string? chartFile)
    {
        var md = new StringBuilder();
        md.Append("# Penguin load report: `").Append(r.Scenario).Append("`\n\n");
        md.Append(r.Description).Append("\n\n");
        md.Append(r.Failures.Length == 0 ? "**Verdict: passed.**\n\n" : "**Verdict: FAILED** — " + string.Join("; ", r.Failures) + "\n\n");
        var s = r.Settings;
        md.Append("| setting | value |\n| --- | --- |\n");
        md.Append("| started | ").Append(r.StartedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)).Append(" |\n");
        md.Append("| server | ").Append(s.Server).Append(s.SpawnedServer ? " (spawned)" : "").Append(s.FastPasswords ? ", fast passwords (1,000 PBKDF2 iterations)" : "").Append(" |\n");
        md.Append("| users | ").Append(N(s.Users)).Append(" |\n");
        md.Append("| duration / limit | ").Append(N(s.DurationSeconds)).Append(" s |\n");
        md.Append("| concurrency | ").Append(s.Concurrency > 0 ? N(s.Concurrency) : "scenario default").Append(" |\n");
        md.Append("| source addresses | ").Append(N(s.SourceAddresses)).Append(" |\n");
        md.Append("| machine | ").Append(s.Machine).Append(" |\n");
        md.Append("| wall time | ").Append(N(r.WallSeconds)).Append(" s |\n\n");

        if (r.Figures.Length > 0)
        {
            md.Append("## Figures\n\n| figure | value |\n| --- | ---: |\n");
            foreach (var f in r.Figures) md.Append("| ").Append(f.Name).Append(" | ").Append(N(f.Value, 2)).Append(" |\n");
            md.Append('\n');
        }

        if (r.Phases is { Length: > 0 } phases)
        {
            md.Append("## Phases\n\nDelivery latency is send → receive of messages whose recipient was online when they were sent; ")
              .Append("\"after login\" counts messages that waited for their recipient to come back. Server cores busy = server CPU seconds / phase seconds.\n\n");
            md.Append("| phase | seconds | online avg / max | logins | logouts / drops | msgs planned | sent | acked | delivered live | after login | delivered/s | latency p50 / p90 / p99 / max ms | reads | presence | pings | errors | server cores busy | server RSS MiB |\n");
            md.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            foreach (var p in phases)
            {
                var l = p.DeliveryLatencyMs;
                md.Append("| ").Append(p.Name).Append(" | ").Append(N(p.Seconds)).Append(" | ").Append(N(p.OnlineAverage)).Append(" / ").Append(N(p.OnlineMax))
                  .Append(" | ").Append(N(p.Logins)).Append(" | ").Append(N(p.Logouts)).Append(" / ").Append(N(p.Drops))
                  .Append(" | ").Append(N(p.MessagesPlanned)).Append(" | ").Append(N(p.MessagesSent)).Append(" | ").Append(N(p.MessagesAcknowledged))
                  .Append(" | ").Append(N(p.Delivered)).Append(" | ").Append(N(p.DeliveredAfterLogin)).Append(" | ").Append(N(p.DeliveredPerSecond))
                  .Append(" | ").Append(l.Count == 0 ? "—" : $"{N(l.P50)} / {N(l.P90)} / {N(l.P99)} / {N(l.Max)}")
                  .Append(" | ").Append(N(p.Reads)).Append(" | ").Append(N(p.PresenceChanges)).Append(" | ").Append(N(p.Pings)).Append(" | ").Append(N(p.Errors))
                  .Append(" | ").Append(Opt(p.ServerCoresBusy, 2)).Append(" | ").Append(p.ServerRssKiB is { } rss ? N(rss / 1024.0) : "n/a").Append(" |\n");
            }
            md.Append('\n');
        }

        md.Append("## Operations\n\n");
        md.Append("| operation | planned | attempted | succeeded | failed | not started | ops/s | p50 ms | p90 ms | p99 ms | max ms |\n");
        md.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var o in r.Operations)
        {
            var l = o.LatencyMs;
            md.Append("| ").Append(o.Name).Append(o.Measured ? "" : " (not measured)")
              .Append(" | ").Append(N(o.Planned)).Append(" | ").Append(N(o.Attempted)).Append(" | ").Append(N(o.Succeeded))
              .Append(" | ").Append(N(o.Failed)).Append(" | ").Append(N(o.NotStarted)).Append(" | ").Append(N(o.ThroughputPerSecond))
              .Append(" | ").Append(N(l.P50, 2)).Append(" | ").Append(N(l.P90, 2)).Append(" | ").Append(N(l.P99, 2)).Append(" | ").Append(N(l.Max, 2)).Append(" |\n");
        }
        var errors = r.Operations.Where(o => o.Errors.Count > 0).ToArray();
        if (errors.Length > 0)
        {
            md.Append("\n### Errors\n\n| operation | reason | count |\n| --- | --- | ---: |\n");
            foreach (var o in errors)
                foreach (var (reason, count) in o.Errors.OrderByDescending(e => e.Value))
                    md.Append("| ").Append(o.Name).Append(" | ").Append(reason.Replace("|", "\\|", StringComparison.Ordinal)).Append(" | ").Append(N(count)).Append(" |\n");
        }

        var sv = r.Server;
        md.Append("\n## Server process\n\n| | value |\n| --- | ---: |\n");
        md.Append("| pid | ").Append(sv.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not sampled (pass --server-pid)").Append(" |\n");
        md.Append("| CPU time (utime+stime) | ").Append(Opt(sv.CpuSeconds, 2)).Append(" s |\n");
        md.Append("| CPU, % of one core | ").Append(Opt(sv.CpuPercentOfOneCore)).Append(" |\n");
        md.Append("| RSS start / end / peak | ").Append(Opt(sv.RssStartKiB)).Append(" / ").Append(Opt(sv.RssEndKiB)).Append(" / ").Append(Opt(sv.RssPeakKiB)).Append(" KiB |\n");
        md.Append("| threads | ").Append(sv.Threads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a").Append(" |\n");
        md.Append("\nLoad tool itself: ").Append(N(r.Client.CpuSeconds, 2)).Append(" s CPU, RSS ").Append(N(r.Client.RssKiB))
          .Append(" KiB (peak ").Append(N(r.Client.PeakRssKiB)).Append(" KiB) — it shares the machine with the server.\n");

        if (r.Notes.Length > 0)
        {
            md.Append("\n## Notes\n\n");
            foreach (var n in r.Notes) md.Append("- ").Append(n).Append('\n');
        }
        if (chartFile is not null)
            md.Append("\n## Over time\n\n![throughput and latency over time](").Append(chartFile).Append(")\n");
        return md.ToString();
    }
}
