using Penguin.Core.Common;

namespace Penguin.Server.Hosting;

/// <summary>One step of a periodic upkeep loop (presence, room occupancy, the sweeps, the bank poll), run so that the loop survives it.</summary>
internal static class Upkeep
{
    /// <summary>
    /// Runs <paramref name="work"/>: a database that is down for a while is reported and tried again on the next tick,
    /// and a bug is logged rather than ending the loop (a BackgroundService that throws stops the host).
    /// </summary>
    public static async Task RunAsync(Func<Task> work, Action<string> unavailable, Action<Exception> failed)
    {
        try
        {
            await work();
        }
        catch (StorageUnavailableException e)
        {
            unavailable(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failed(e);
        }
    }
}
