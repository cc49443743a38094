using System.Runtime.InteropServices;
using Penguin.Load.Hosting;
using Penguin.Load.Measurement;
using Penguin.Load.Net;
using Penguin.Load.Reporting;
using Penguin.Load.Scenarios;
using static Penguin.Load.Reporting.Format;

namespace Penguin.Load;

public sealed record RunOutcome(int ExitCode, RunReport? Report, ReportWriter.Files? Files);

/// <summary>One run: (optionally) start the server, sample it, run the scenario, write the reports, stop what it started.</summary>
public static class LoadRunner
{
    /// <summary>Setup and teardown allowance on top of the scenario's duration; beyond it the run is cut off.</summary>
    public static readonly TimeSpan SetupAllowance = TimeSpan.FromMinutes(20);

    public static async Task<RunOutcome> RunAsync(LoadOptions options, TextWriter log, TextWriter summary, CancellationToken ct)
    {
        var scenario = ScenarioCatalog.Find(options.Scenario);
        if (scenario is null)
        {
            log.WriteLine($"Unknown scenario '{options.Scenario}'. Known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}.");
            return new(2, null, null);
        }
        if (scenario.Unavailable is { } why)
        {
            summary.WriteLine(why);
            return new(0, null, null);
        }

        var duration = options.Duration ?? scenario.DefaultDuration;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(duration + SetupAllowance);
        var startedAt = DateTimeOffset.UtcNow;
        var loadAverage = LoadAverage();
        var series = new TimeSeries();

        await using var spawned = options.SpawnServer
            ? await SpawnedServer.StartAsync(options.ServerDll, options.DataDirectory, options.FastPasswords, bounded.Token)
            : null;
        await using var cluster = options.SpawnCluster > 0
            ? await SpawnedCluster.StartAsync(options.SpawnCluster, options.ServerDll, options.Postgres!, options.RabbitMq!, options.FastPasswords, bounded.Token)
            : null;
        IReadOnlyList<Uri> servers = cluster is not null ? [.. cluster.Nodes.Select(n => n.Uri)]
            : spawned is not null ? [spawned.Uri]
            : options.Servers;
        IReadOnlyList<int> pids = cluster is not null ? [.. cluster.Nodes.Select(n => n.Pid)]
            : spawned is not null ? [spawned.Pid]
            : options.ServerPid is { } given ? [given] : [];
        if (spawned is not null) log.WriteLine($"spawned penguin-server pid {spawned.Pid} at {spawned.Uri}");
        if (cluster is not null)
        {
            log.WriteLine($"spawned {cluster.Nodes.Count} cluster nodes on database {cluster.Database.Name}:");
            for (var i = 0; i < cluster.Nodes.Count; i++) log.WriteLine($"  bench-{i}: pid {cluster.Nodes[i].Pid} at {cluster.Nodes[i].Uri}");
        }

        using var network = new LoopbackNetwork(new SourceAddressPool(options.SourceAddresses));
        var sampler = pids.Count > 0 ? new ProcessSampler(pids, series) : null;
        sampler?.Start();
        var progress = new ProgressPrinter(log, () => sampler?.Last);
        progress.Start();
        var services = options.SampleServices ? new ServiceProcesses(cluster?.Database.Name) : null;
        var context = new ScenarioContext(options, servers, network, new OperationLog(series), progress, sampler, services) { KillNode = cluster is null ? null : cluster.Kill };
        try
        {
            progress.Line($"{scenario.Name}: {options.Users} users against {string.Join(", ", servers)}");
            if (sampler is { Pids.Count: > 1 }) context.Note($"server figures are the sum over {sampler.Pids.Count} nodes (pids {string.Join(", ", sampler.Pids)})");
            await scenario.RunAsync(context, bounded.Token);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested)
        {
            context.Note(ct.IsCancellationRequested ? "run interrupted" : "run stopped at its hard time limit");
        }
        finally
        {
            await progress.DisposeAsync();
            if (sampler is not null) await sampler.DisposeAsync();
        }

        var report = BuildReport(scenario, options, duration, spawned is not null || cluster is not null, startedAt, loadAverage, context, sampler, series);
        var files = ReportWriter.Write(report, options.Out);
        PrintSummary(summary, report, files);
        return new(report.Failures.Length == 0 ? 0 : 1, report, files);
    }

    /// <summary>/proc/loadavg at the start: the machine is shared, so contention is part of the result.</summary>
    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    private static RunReport BuildReport(IScenario scenario, LoadOptions o, TimeSpan duration, bool spawned, DateTimeOffset startedAt, string loadAverage,
        ScenarioContext context, ProcessSampler? sampler, TimeSeries series)
    {
        var machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average at start {loadAverage}";
        var self = ProcFiles.Read(Environment.ProcessId);
        var server = sampler is null
            ? new ServerReport(null, null, null, null, null, null, null)
            : new ServerReport(sampler.Pid,
                sampler.First is { } a && sampler.Last is { } b ? b.CpuSeconds - a.CpuSeconds : null,
                sampler.CpuPercent, sampler.First?.RssKiB, sampler.Last?.RssKiB, sampler.PeakRssKiB, sampler.Last?.Threads);
        return new RunReport(
            scenario.Name, scenario.Description, startedAt, series.Elapsed.TotalSeconds,
            new RunSettings(string.Join(", ", context.Servers), o.Users, duration.TotalSeconds, o.Concurrency, o.SourceAddresses, spawned, o.FastPasswords, machine),
            [.. context.Operations.All.Select(OperationReport.From)],
            [.. context.Figures.Select(f => new Figure(f.Key, f.Value))],
            server,
            new ClientReport(self?.CpuSeconds ?? 0, self?.RssKiB ?? 0, self?.PeakRssKiB ?? 0),
            [.. context.Notes],
            [.. series.Points()],
            [.. context.Failures],
            context.Phases is { } phases ? [.. phases] : null);
    }

    private static void PrintSummary(TextWriter w, RunReport r, ReportWriter.Files files)
    {
        w.WriteLine();
        w.WriteLine($"== {r.Scenario}: {N(r.Settings.Users)} users, {N(r.WallSeconds)} s ==");
        foreach (var o in r.Operations)
        {
            var l = o.LatencyMs;
            w.WriteLine($"{o.Name,-18} attempted {N(o.Attempted),8}  ok {N(o.Succeeded),8}  failed {N(o.Failed),6}  {N(o.ThroughputPerSecond),9}/s  p50 {N(l.P50, 2)} p90 {N(l.P90, 2)} p99 {N(l.P99, 2)} max {N(l.Max, 2)} ms");
            foreach (var (reason, count) in o.Errors) w.WriteLine($"{"",-18}   {N(count)} × {reason}");
        }
        foreach (var f in r.Figures) w.WriteLine($"{f.Name,-32} {N(f.Value, 2)}");
        if (r.Server.Pid is not null)
            w.WriteLine($"server: CPU {Opt(r.Server.CpuSeconds, 2)} s ({Opt(r.Server.CpuPercentOfOneCore)}% of a core), RSS {Opt(r.Server.RssStartKiB)} → {Opt(r.Server.RssEndKiB)} KiB (peak {Opt(r.Server.RssPeakKiB)})");
        foreach (var n in r.Notes) w.WriteLine($"note: {n}");
        w.WriteLine(r.Failures.Length == 0 ? "verdict: passed" : $"verdict: FAILED — {string.Join("; ", r.Failures)}");
        w.WriteLine($"reports: {files.Markdown}, {files.Json}, {files.Svg}");
    }
}
