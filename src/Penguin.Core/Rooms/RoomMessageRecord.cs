namespace Penguin.Core.Rooms;

/// <summary>One of a room's last messages (a room keeps only the last <see cref="Protocol.Limits.RoomHistoryKept"/>).</summary>
public sealed record RoomMessageRecord(long Id, long RoomId, long SenderId, string Text, DateTimeOffset SentAt)
{
    public Protocol.RoomMessage ToWire() => new(Id, RoomId, SenderId, Text, SentAt);
}
