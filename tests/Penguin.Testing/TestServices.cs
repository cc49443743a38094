using System.Diagnostics;

namespace Penguin.Testing;

/// <summary>
/// The real services the optional suites run against, named by environment variables (what .ci/run exports
/// after scripts/services/*.sh start), and the faults tests may inflict on them.
/// </summary>
public static class TestServices
{
    public const string PostgresVariable = "PENGUIN_TEST_POSTGRES";
    public const string RabbitMqVariable = "PENGUIN_TEST_RABBITMQ";

    public static string? Postgres => Get(PostgresVariable);

    public static Uri? RabbitMq => Get(RabbitMqVariable) is { } uri ? new Uri(uri) : null;

    /// <summary>Null when every named service is configured; otherwise what to set, for a visible skip.</summary>
    public static string? SkipReason(IEnumerable<string> variables)
    {
        var missing = variables.Where(v => Get(v) is null).ToArray();
        return missing.Length == 0
            ? null
            : $"Set {string.Join(" and ", missing)} to run (scripts/services/postgres.sh and rabbitmq.sh start print them).";
    }

    /// <summary>Runs a service's control command (rabbitmqctl, pg_ctlcluster), failing the test if it fails.</summary>
    public static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await output}{await error}");
    }

    private static string? Get(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
