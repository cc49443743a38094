using Penguin.Client;
using Penguin.Load.Measurement;
using ServerMemory = (long? RssKiB, double? GcHeapBytes, System.Collections.Generic.IReadOnlyDictionary<string, double> Metrics);

namespace Penguin.Load.Scenarios;

/// <summary>
/// N authenticated devices stay connected and idle (a ping every --ping-interval) for --duration: what an
/// idle connection costs the server in resident memory and managed heap — on average (delta from before
/// the first connection / N) and at the margin (the slope of memory against connections while they connect in steps).
/// </summary>
public sealed class IdleScenario : IScenario
{
    public string Name => "idle";
    public string Description => "N devices connect and authenticate over WebSocket, then stay idle (a ping per interval) for the duration.";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(30);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var users = await SimulatedUsers.PrepareAsync(context, context.Options.Users, withTokens: true, ct);
        await WarmUpAsync(context, users, ct);
        var before = await context.ServerMemoryAsync(ct);

        // Connected in steps with the memory read after each: the line fitted through the readings after the first
        // step is the marginal cost of a connection, free of the one-off costs the first step pays (thread-pool growth,
        // JIT, caches warming) and of the steps in which the GC commits memory (4 MB regions: one region is ~0.8 KiB per
        // connection of a 5,000-connection step; a fit over the steps averages them out).
        var connect = context.Operations.Measured("connect");
        var cpuBefore = context.ServerCpuSeconds();
        var devices = new List<PenguinConnection?>(users.Count);
        var steps = Math.Clamp(users.Count / 500, 3, 10); // three readings at least, for a line
        var readings = new List<(int Connections, ServerMemory Memory)>(steps);
        for (var step = 0; step < steps; step++)
        {
            var from = step * users.Count / steps;
            var to = (step + 1) * users.Count / steps;
            devices.AddRange(await LiveDevices.ConnectAllAsync(context, [.. users.Skip(from).Take(to - from)], connect, context.Concurrency(200), ct));
            readings.Add((devices.Count(d => d is not null), await SettledMemoryAsync(context, ct)));
        }
        context.CpuFigure(connect, cpuBefore);
        MarginalFigures(context, readings);
        var connected = devices.OfType<PenguinConnection>().ToArray();
        context.Progress.Line($"{connected.Length} devices connected; holding for {(context.Options.Duration ?? DefaultDuration).TotalSeconds} s");

        var ping = context.Operations.Measured("ping");
        context.Progress.Track(ping);
        using (var hold = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            hold.CancelAfter(context.Options.Duration ?? DefaultDuration);
            await Task.WhenAll(connected.Select((d, i) => KeepAliveAsync(d, ping, Stagger(i, connected.Length, context.Options.PingInterval), context.Options.PingInterval, hold.Token)));
        }

        var stay = context.Operations.Measured("stay-connected");
        foreach (var device in connected)
            stay.Tally(!device.Completion.IsCompleted, $"dropped ({device.CloseStatus?.ToString() ?? "no close status"})");
        var after = await context.ServerMemoryAsync(ct);

        context.Figure("connections_authenticated", connect.Succeeded);
        context.Figure("connections_alive_at_end", stay.Succeeded);
        if (after.Metrics.TryGetValue("penguin_sessions_online", out var online)) context.Figure("server_sessions_online", online);
        if (before.RssKiB is { } rss0 && after.RssKiB is { } rss1)
        {
            context.Figure("server_rss_before_kib", rss0);
            context.Figure("server_rss_after_kib", rss1);
            if (stay.Succeeded > 0) context.Figure("kib_per_connection", (double)(rss1 - rss0) / stay.Succeeded);
        }
        if (before.GcHeapBytes is { } heap0 && after.GcHeapBytes is { } heap1)
        {
            context.Figure("server_gc_heap_before_bytes", heap0);
            context.Figure("server_gc_heap_after_bytes", heap1);
            if (stay.Succeeded > 0) context.Figure("gc_heap_bytes_per_connection", (heap1 - heap0) / stay.Succeeded);
        }
        await LiveDevices.CloseAllAsync(context, devices);
    }

    private static async Task<ServerMemory> SettledMemoryAsync(ScenarioContext context, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the last authentications finish their work
        return await context.ServerMemoryAsync(ct);
    }

    /// <summary>
    /// Memory per connection at the margin: the slope of the readings against the connections open, from the first
    /// step's reading on. Also without SQLite's page caches (which grow as more users are read, up to their configured
    /// bounds, whatever the number of connections) when the server reports them.
    /// </summary>
    internal static void MarginalFigures(ScenarioContext context, IReadOnlyList<(int Connections, ServerMemory Memory)> readings)
    {
        static double? Slope(IEnumerable<(double X, double? Y)> points)
        {
            var known = points.Where(p => p.Y is not null).Select(p => (p.X, Y: p.Y!.Value)).ToList();
            return known.Count == 0 ? null : PhaseFit.Linear(known)?.Slope;
        }
        static double? Sqlite(ServerMemory memory) => memory.Metrics.TryGetValue("penguin_sqlite_memory_bytes", out var bytes) ? bytes : null;

        if (Slope(readings.Select(r => ((double)r.Connections, (double?)r.Memory.RssKiB))) is { } rss)
            context.Figure("kib_per_connection_marginal", rss);
        if (Slope(readings.Select(r => ((double)r.Connections, r.Memory.RssKiB - Sqlite(r.Memory) / 1024))) is { } withoutSqlite)
            context.Figure("kib_per_connection_marginal_without_sqlite_cache", withoutSqlite);
        if (Slope(readings.Select(r => ((double)r.Connections, r.Memory.GcHeapBytes))) is { } heap)
            context.Figure("gc_heap_bytes_per_connection_marginal", heap);
    }

    /// <summary>
    /// Connects, pings and closes a few devices before the baseline so the server's one-off costs (JIT of the
    /// WebSocket path, first buffers, thread-pool growth) are not charged to the measured connections.
    /// </summary>
    private static async Task WarmUpAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, CancellationToken ct)
    {
        var warm = context.Operations.Supporting("setup:warm-up");
        var devices = await LiveDevices.ConnectAllAsync(context, [.. users.Take(WarmUpDevices)], warm, 10, ct);
        foreach (var device in devices.OfType<PenguinConnection>()) await warm.MeasureAsync(() => device.PingAsync(ct));
        await LiveDevices.CloseAllAsync(context, devices);
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the server finish taking them offline
    }

    private const int WarmUpDevices = 20;

    /// <summary>Spreads the first pings over one interval so they do not all land in the same second.</summary>
    private static TimeSpan Stagger(int index, int count, TimeSpan interval) => interval * ((double)index / Math.Max(count, 1));

    private static async Task KeepAliveAsync(PenguinConnection device, OperationStats ping, TimeSpan first, TimeSpan interval, CancellationToken ct)
    {
        try
        {
            await Task.Delay(first, ct);
            while (!ct.IsCancellationRequested && !device.Completion.IsCompleted)
            {
                // The end of the hold stops new pings; one already sent runs to its reply (or the client's 30 s timeout).
                await ping.MeasureAsync(() => device.PingAsync(CancellationToken.None));
                await Task.Delay(interval, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
