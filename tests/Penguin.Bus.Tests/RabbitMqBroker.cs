using System.Diagnostics;

namespace Penguin.Bus.Tests;

/// <summary>The RabbitMQ named by <c>PENGUIN_TEST_RABBITMQ</c>, and the fault a test may inflict on it.</summary>
public static class RabbitMqBroker
{
    public const string Variable = "PENGUIN_TEST_RABBITMQ";

    public static Uri? Uri => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? new Uri(s) : null;

    public static string? SkipReason =>
        Uri is null ? $"Set {Variable} to an AMQP URI to run (scripts/services/rabbitmq.sh start prints one)." : null;

    /// <summary>Stops the broker application and starts it again, keeping the Erlang node (and epmd) up.</summary>
    public static async Task RestartAsync(TimeSpan downFor)
    {
        await CtlAsync("stop_app");
        await Task.Delay(downFor);
        await CtlAsync("start_app");
    }

    public static async Task CtlAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("rabbitmqctl", ["-n", "rabbit@localhost", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {command} failed: {await output}{await error}");
    }
}
