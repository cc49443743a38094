namespace Penguin.Bus.Tests;

/// <summary>The RabbitMQ of <see cref="TestServices"/>, and the fault a test may inflict on it.</summary>
public static class RabbitMqBroker
{
    public static Uri? Uri => TestServices.RabbitMq;

    /// <summary>Stops the broker application and starts it again, keeping the Erlang node (and epmd) up.</summary>
    public static async Task RestartAsync(TimeSpan downFor)
    {
        await CtlAsync("stop_app");
        await Task.Delay(downFor);
        await CtlAsync("start_app");
    }

    public static Task CtlAsync(string command) => TestServices.RunAsync("rabbitmqctl", "-n", "rabbit@localhost", command);
}
