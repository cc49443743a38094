using Penguin.Load.Measurement;

namespace Penguin.Load.Scenarios;

/// <summary>Where a chat run's CPU went, from readings taken when sending started and when it settled.</summary>
public static class ChatCost
{
    /// <summary>CPU seconds each node used between the two readings (nodes missing from either reading are left out).</summary>
    public static IEnumerable<(int Node, double CpuSeconds)> PerNode(double?[] before, double?[] after)
    {
        for (var i = 0; i < Math.Min(before.Length, after.Length); i++)
            if (before[i] is { } b && after[i] is { } a) yield return (i, a - b);
    }

    /// <summary>
    /// The services' share: CPU seconds, µs per delivered message and cores busy for PostgreSQL (all of it, and the run's
    /// own backends) and RabbitMQ, plus the whole cost per message (nodes + PostgreSQL + RabbitMQ) when the nodes' CPU is known.
    /// </summary>
    public static IEnumerable<(string Name, double Value)> Services(ServiceCpu before, ServiceCpu after, double? nodesCpuSeconds, long delivered, double seconds)
    {
        var postgres = after.Postgres - before.Postgres;
        var backends = after.PostgresBackends - before.PostgresBackends;
        var rabbit = after.RabbitMq - before.RabbitMq;
        double PerMessage(double cpu) => cpu * 1e6 / delivered;
        yield return ("postgres_cpu_seconds", postgres);
        yield return ("postgres_cpu_us_per_message", PerMessage(postgres));
        yield return ("postgres_run_backends_cpu_us_per_message", PerMessage(backends));
        yield return ("postgres_cores_busy", postgres / seconds);
        yield return ("rabbitmq_cpu_seconds", rabbit);
        yield return ("rabbitmq_cpu_us_per_message", PerMessage(rabbit));
        yield return ("rabbitmq_cores_busy", rabbit / seconds);
        if (nodesCpuSeconds is { } nodes)
            yield return ("total_cpu_us_per_message", PerMessage(nodes + postgres + rabbit));
    }
}
