namespace Penguin.Core.Rooms;

/// <summary>A stored chat room. Its creator is always a moderator.</summary>
public sealed record RoomRecord(long Id, string Name, string Topic, long CreatorId, DateTimeOffset CreatedAt)
{
    public Protocol.RoomInfo ToWire(int people) => new(Id, Name, Topic, CreatorId, people, CreatedAt);
}
