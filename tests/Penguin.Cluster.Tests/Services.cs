// Fault tests stop the shared PostgreSQL and RabbitMQ: nothing else in this assembly may run meanwhile.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Penguin.Cluster.Tests;

/// <summary>The PostgreSQL and RabbitMQ the cluster runs on (from the environment), and the faults tests inflict on them.</summary>
public static class Services
{
    public static string? Postgres => TestServices.Postgres;

    public static Uri? RabbitMq => TestServices.RabbitMq;

    public static string? SkipReason => TestServices.SkipReason([TestServices.PostgresVariable, TestServices.RabbitMqVariable]);

    public static Task StopBrokerAsync() => RunAsync("rabbitmqctl", "-n", "rabbit@localhost", "stop_app");

    public static Task StartBrokerAsync() => RunAsync("rabbitmqctl", "-n", "rabbit@localhost", "start_app");

    /// <summary>A fast shutdown: PostgreSQL ends every client connection, as a crash or a failover would.</summary>
    public static Task StopDatabaseAsync() => RunAsync("pg_ctlcluster", "15", "main", "stop");

    /// <summary>Started as scripts/services/postgres.sh does; its settings (loopback only, 400 connections) are in conf.d.</summary>
    public static Task StartDatabaseAsync() => RunAsync("pg_ctlcluster", "15", "main", "start", "-o", "-c listen_addresses=127.0.0.1");

    private static Task RunAsync(string program, params string[] arguments) => TestServices.RunAsync(program, arguments);
}
