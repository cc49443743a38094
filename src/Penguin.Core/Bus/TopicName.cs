namespace Penguin.Core.Bus;

/// <summary>What a bus topic may be called: it shares the routing keys with user ids, so it must not be a number.</summary>
public static class TopicName
{
    public const int MaxLength = 200;

    /// <summary>The topic of a chat room: one per room, bound by the nodes with a connection inside.</summary>
    public static string Room(long roomId) => $"room.{roomId}";

    public static void Check(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.Length > MaxLength || topic.All(char.IsAsciiDigit))
            throw new ArgumentException($"A topic is 1 to {MaxLength} characters and not a number (numbers are user ids): '{topic}'.", nameof(topic));
    }
}
