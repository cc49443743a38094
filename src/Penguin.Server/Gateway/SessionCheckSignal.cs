using Npgsql;
using Penguin.Server.Hosting;

namespace Penguin.Server.Gateway;

/// <summary>
/// Tells the running nodes to check their connections' sessions now. <c>penguin-server admin</c> runs in another
/// process and cannot reach a node's connections, so after it ends sessions it raises this signal and the nodes'
/// <see cref="SessionAudit"/> runs at once instead of at its next interval. With SQLite (one machine) the signal is
/// a file in the data directory that nodes read every second; with PostgreSQL it is <c>NOTIFY penguin_session_check</c>, which
/// every node LISTENs for. A signal that is lost (no node running, a dropped listening connection) costs nothing:
/// the interval check still comes.
/// </summary>
public sealed class SessionCheckSignal(ServerOptions options)
{
    public const string FileName = ".session-check";
    private const string Channel = "penguin_session_check";

    /// <summary>Wakes every running node's session check.</summary>
    public async Task RaiseAsync(CancellationToken cancellationToken)
    {
        if (options.Storage == StorageEngine.Postgres)
        {
            await using var connection = new NpgsqlConnection(options.Postgres.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var notify = new NpgsqlCommand($"NOTIFY {Channel}", connection);
            await notify.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        var path = Path.Combine(options.DataDirectory, FileName);
        await File.WriteAllTextAsync(path, Guid.NewGuid().ToString("N"), cancellationToken); // new content each time: a change even within one timestamp tick
    }

    /// <summary>Calls <paramref name="signalled"/> on every signal until <paramref name="stoppingToken"/> ends.</summary>
    public Task ListenAsync(Action signalled, TimeProvider time, CancellationToken stoppingToken) =>
        options.Storage == StorageEngine.Postgres ? ListenToPostgresAsync(signalled, time, stoppingToken) : WatchFileAsync(signalled, time, stoppingToken);

    /// <summary>Reads the signal file once a second (a poll, not inotify: no per-process watch limits, works on any file system).</summary>
    private async Task WatchFileAsync(Action signalled, TimeProvider time, CancellationToken stoppingToken)
    {
        var path = Path.Combine(options.DataDirectory, FileName);
        var seen = Read(path);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Read(path);
                if (now == seen) continue;
                seen = now;
                signalled();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task ListenToPostgresAsync(Action signalled, TimeProvider time, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(options.Postgres.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => signalled();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // PostgreSQL is away (or the connection broke): listen again later; meanwhile the interval check covers.
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }
    }
}
