using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Messaging;

public sealed class MessagingOptions
{
    /// <summary>Messages one user may send per second (all devices together).</summary>
    [Range(1, int.MaxValue)]
    public int SendsPerSecond { get; set; } = 20;

    /// <summary>Typing indicators one user may send per second (all devices together); more are dropped.</summary>
    [Range(1, int.MaxValue)]
    public int TypingPerSecond { get; set; } = 5;

    /// <summary>How long acks of one user are gathered into one write.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan AckCoalescing { get; set; } = TimeSpan.FromMilliseconds(500);
}
