using System.Collections.Concurrent;
using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Load.Net;

namespace Penguin.Load.Scenarios;

/// <summary>Everything a scenario works with: the server (or the nodes of a cluster), the network, the accounting, and where its figures go.</summary>
public sealed class ScenarioContext(
    LoadOptions options,
    IReadOnlyList<Uri> servers,
    LoopbackNetwork network,
    OperationLog operations,
    ProgressPrinter progress,
    ProcessSampler? serverProcess,
    ServiceProcesses? services = null)
{
    public ScenarioContext(LoadOptions options, Uri server, LoopbackNetwork network, OperationLog operations, ProgressPrinter progress, ProcessSampler? serverProcess)
        : this(options, [server], network, operations, progress, serverProcess)
    {
    }

    private readonly ConcurrentDictionary<string, double> _figures = new();
    private readonly ConcurrentQueue<string> _notes = new();

    public LoadOptions Options { get; } = options;
    /// <summary>The first node: REST setup (register, login, befriend) goes here.</summary>
    public Uri Server => Servers[0];

    /// <summary>Every node driven, in order; one entry unless this is a cluster run.</summary>
    public IReadOnlyList<Uri> Servers { get; } = servers;

    public Uri WebSocketUri => WebSocketUris[0];

    private IReadOnlyList<Uri> WebSocketUris { get; } = [.. servers.Select(PenguinClient.WebSocketUri)];

    /// <summary>The WebSocket endpoint of node <paramref name="node"/>.</summary>
    public Uri WebSocketUriOf(int node) => WebSocketUris[node];

    /// <summary>PostgreSQL and RabbitMQ CPU, when they are sampled (--sample-services).</summary>
    public ServiceProcesses? Services { get; } = services;
    public LoopbackNetwork Network { get; } = network;
    public OperationLog Operations { get; } = operations;
    public ProgressPrinter Progress { get; } = progress;

    /// <summary>Kills a spawned cluster's node by index (SIGKILL); null when the run spawned no cluster.</summary>
    public Action<int>? KillNode { get; init; }

    /// <summary>The server process being sampled, when its PID is known.</summary>
    public ProcessSampler? ServerProcess { get; } = serverProcess;

    /// <summary>Headline figures of the scenario (name → value), in the order added.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Figures => [.. _figureOrder.Select(k => new KeyValuePair<string, double>(k, _figures[k]))];

    public IReadOnlyList<string> Notes => [.. _notes];

    /// <summary>Why the run failed its own checks (e.g. an acknowledged message never arrived); empty when it passed.</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    private readonly ConcurrentQueue<string> _failures = new();

    /// <summary>Marks the run FAILED: its figures are still reported, but they do not describe a correct run.</summary>
    public void Fail(string reason)
    {
        _failures.Enqueue(reason);
        Progress.Line("FAILED: " + reason);
    }

    private readonly ConcurrentQueue<string> _figureOrder = new();

    /// <summary>The run broken into phases (the hours of a compressed day), when the scenario has them.</summary>
    public IReadOnlyList<Reporting.PhaseReport>? Phases { get; set; }

    public void Figure(string name, double value)
    {
        if (_figures.TryAdd(name, value)) _figureOrder.Enqueue(name);
        else _figures[name] = value;
    }

    public void Note(string text)
    {
        _notes.Enqueue(text);
        Progress.Line(text);
    }

    public int Concurrency(int scenarioDefault) => Options.Concurrency > 0 ? Options.Concurrency : scenarioDefault;

    /// <summary>A REST client for one simulated device over the spreading handler.</summary>
    public PenguinClient NewClient() => new(Server, Network.Handler);

    /// <summary>Each node's CPU time so far, in node order (null where its PID is unknown or it has gone).</summary>
    public double?[] NodeCpuSeconds() => ServerProcess is { } p ? [.. p.SampleEach().Select(s => s?.CpuSeconds)] : [];

    /// <summary>The server's CPU time so far (utime + stime; summed over the nodes of a cluster), when its PID is known.</summary>
    public double? ServerCpuSeconds() => ServerProcess?.SampleNow()?.CpuSeconds;

    /// <summary>
    /// CPU time so far of the embedded server's single SQLite writer thread (the ceiling of its write
    /// throughput); null for a cluster, an unknown PID, or a server without that thread.
    /// </summary>
    public double? ServerWriterCpuSeconds() =>
        ServerProcess is { Pids.Count: 1 } p ? ProcFiles.ThreadCpuSeconds(p.Pid, "sqlite-writer") : null;

    /// <summary>Server CPU milliseconds per success of <paramref name="operation"/> between two <see cref="ServerCpuSeconds"/> readings; this does not depend on what else the shared machine is doing.</summary>
    public void CpuFigure(OperationStats operation, double? cpuBefore)
    {
        if (cpuBefore is { } before && ServerCpuSeconds() is { } after && operation.Succeeded > 0)
            Figure($"server_cpu_ms_per_{operation.Name.Replace('-', '_')}", (after - before) * 1000 / operation.Succeeded);
    }

    /// <summary>The server's resident memory now (KiB) and its managed heap from /metrics (bytes).</summary>
    public async Task<(long? RssKiB, double? GcHeapBytes, IReadOnlyDictionary<string, double> Metrics)> ServerMemoryAsync(CancellationToken ct)
    {
        var metrics = await ServerMetrics.ScrapeAsync(Network.Invoker, Server, ct);
        var rss = ServerProcess?.SampleNow()?.RssKiB;
        return (rss, metrics.TryGetValue("dotnet_gc_heap_bytes", out var heap) ? heap : null, metrics);
    }
}
