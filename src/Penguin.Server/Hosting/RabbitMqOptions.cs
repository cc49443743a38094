namespace Penguin.Server.Hosting;

public sealed class RabbitMqOptions
{
    /// <summary>An AMQP URI, e.g. amqp://penguin:secret@10.0.0.5:5672/penguin.</summary>
    public Uri? Uri { get; set; }
}
