using System.Diagnostics;

// Fault tests stop the shared PostgreSQL and RabbitMQ: nothing else in this assembly may run meanwhile.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Penguin.Cluster.Tests;

/// <summary>The PostgreSQL and RabbitMQ the cluster runs on (from the environment), and the faults tests inflict on them.</summary>
public static class Services
{
    public const string PostgresVariable = "PENGUIN_TEST_POSTGRES";
    public const string RabbitMqVariable = "PENGUIN_TEST_RABBITMQ";

    public static string? Postgres => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    public static Uri? RabbitMq => Environment.GetEnvironmentVariable(RabbitMqVariable) is { Length: > 0 } s ? new Uri(s) : null;

    public static string? SkipReason => Postgres is null || RabbitMq is null
        ? $"Set both {PostgresVariable} and {RabbitMqVariable} to run the cluster tests (scripts/services/postgres.sh and rabbitmq.sh start print them)."
        : null;

    public static Task StopBrokerAsync() => RunAsync("rabbitmqctl", "-n", "rabbit@localhost", "stop_app");

    public static Task StartBrokerAsync() => RunAsync("rabbitmqctl", "-n", "rabbit@localhost", "start_app");

    /// <summary>A fast shutdown: PostgreSQL ends every client connection, as a crash or a failover would.</summary>
    public static Task StopDatabaseAsync() => RunAsync("pg_ctlcluster", "15", "main", "stop");

    /// <summary>Started as scripts/services/postgres.sh does: on loopback only.</summary>
    public static Task StartDatabaseAsync() => RunAsync("pg_ctlcluster", "15", "main", "start", "-o", "-c listen_addresses=127.0.0.1");

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await output}{await error}");
    }
}

/// <summary>A test that needs the whole cluster setup; a visible skip without it.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (Services.SkipReason is { } reason) Skip = reason;
    }
}
