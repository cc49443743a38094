namespace Penguin.Server.Hosting;

/// <summary>How events travel between nodes.</summary>
public enum BusEngine
{
    /// <summary>One node: events stay in the process.</summary>
    InProcess,

    /// <summary>Cluster mode: events between nodes through RabbitMQ.</summary>
    RabbitMq,
}
