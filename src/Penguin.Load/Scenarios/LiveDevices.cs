using Penguin.Client;
using Penguin.Load.Hosting;
using Penguin.Load.Measurement;

namespace Penguin.Load.Scenarios;

/// <summary>Opens and closes many authenticated WebSocket devices with bounded concurrency, accounting each.</summary>
public static class LiveDevices
{
    /// <summary>
    /// Connects every user's device (WebSocket + auth with its token) to node <paramref name="nodeOf"/>(i), by default
    /// round-robin over the nodes; the slot of a failed device is null.
    /// </summary>
    public static async Task<PenguinConnection?[]> ConnectAllAsync(
        ScenarioContext context, IReadOnlyList<SimulatedUser> users, OperationStats connect, int concurrency, CancellationToken ct, Func<int, int>? nodeOf = null)
    {
        nodeOf ??= i => NodePlacement.RoundRobin(i, context.Servers.Count);
        connect.Plan(users.Count);
        context.Progress.Track(connect);
        var devices = new PenguinConnection?[users.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), options, async (i, token) =>
            {
                devices[i] = await connect.MeasureAsync(() =>
                    PenguinConnection.ConnectAsync(context.WebSocketUriOf(nodeOf(i)), users[i].Token!, since: null, status: null, context.Network.Invoker, token));
            });
        }
        catch (OperationCanceledException)
        {
            context.Note($"time limit reached: {connect.Planned - connect.Attempted} connections never started");
        }
        return devices;
    }

    /// <summary>Says goodbye on every open device (teardown, accounted but not measured).</summary>
    public static async Task CloseAllAsync(ScenarioContext context, IEnumerable<PenguinConnection?> devices)
    {
        var open = devices.OfType<PenguinConnection>().ToArray();
        var close = context.Operations.Supporting("teardown:close");
        close.Plan(open.Length);
        context.Progress.Track(close);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (device, _) =>
            await close.MeasureAsync(device.CloseAsync));
    }
}
