using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>Chat rooms (聊天室) on the live connection: docs/protocol.md §12. Presence in a room belongs to this connection.</summary>
public sealed partial class PenguinConnection
{
    /// <summary>Enters the room: the reply lists who is inside and the room's last messages.</summary>
    public Task<RoomEntered> EnterRoomAsync(long roomId, CancellationToken ct = default) => RequestAsync<RoomEntered>(new EnterRoom(roomId), ct);

    public Task LeaveRoomAsync(long roomId, CancellationToken ct = default) => RequestAsync<Ok>(new LeaveRoom(roomId), ct);

    public async Task<RoomMessage> SayInRoomAsync(long roomId, string text, CancellationToken ct = default) =>
        (await RequestAsync<RoomMessageAccepted>(new SendRoomMessage(roomId, text), ct)).Message;
}
