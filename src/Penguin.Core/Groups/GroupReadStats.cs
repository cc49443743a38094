namespace Penguin.Core.Groups;

/// <summary>Members other than the sender who have read up to a message, out of the members who could.</summary>
public sealed record GroupReadStats(int Read, int Members);
