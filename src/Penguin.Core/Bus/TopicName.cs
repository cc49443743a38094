namespace Penguin.Core.Bus;

/// <summary>
/// What a bus topic may be called: it shares the routing keys with user ids, so it must not be a number, and with the
/// bus's own keys, which start with an underscore.
/// </summary>
public static class TopicName
{
    public const int MaxLength = 200;

    /// <summary>The topic of a chat room: one per room, bound by the nodes with a connection inside.</summary>
    public static string Room(long roomId) => $"room.{roomId}";

    public static void Check(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.Length > MaxLength || topic.All(char.IsAsciiDigit) || topic[0] == '_')
            throw new ArgumentException($"A topic is 1 to {MaxLength} characters, not a number (numbers are user ids) and not starting with '_' (the bus's own keys): '{topic}'.", nameof(topic));
    }
}
