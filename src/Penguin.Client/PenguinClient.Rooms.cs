using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>Chat rooms (聊天室) over REST: docs/protocol.md §12.</summary>
public sealed partial class PenguinClient
{
    public Task<RoomInfo> CreateRoomAsync(string name, string topic, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/v1/rooms", new CreateRoomRequest(name, topic), Json.CreateRoomRequest, Json.RoomInfo, ct);

    /// <summary>The directory: every room, or those of one topic, with the number of people inside.</summary>
    public async Task<RoomInfo[]> GetRoomsAsync(string? topic = null, CancellationToken ct = default) =>
        (await GetAsync(topic is null ? "api/v1/rooms" : $"api/v1/rooms?topic={Uri.EscapeDataString(topic)}", Json.RoomList, ct)).Rooms;

    public Task<RoomInfo> GetRoomAsync(long roomId, CancellationToken ct = default) => GetAsync($"api/v1/rooms/{roomId}", Json.RoomInfo, ct);

    /// <summary>The creator first, then the appointed moderators.</summary>
    public async Task<long[]> GetRoomModeratorsAsync(long roomId, CancellationToken ct = default) =>
        (await GetAsync($"api/v1/rooms/{roomId}/moderators", Json.RoomModeratorList, ct)).Numbers;

    public async Task<long[]> SetRoomModeratorAsync(long roomId, long number, bool moderator, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(moderator ? HttpMethod.Put : HttpMethod.Delete, new Uri($"api/v1/rooms/{roomId}/moderators/{number}", UriKind.Relative));
        using var response = await _http.SendAsync(request, ct);
        return (await ReadAsync(response, Json.RoomModeratorList, ct)).Numbers;
    }

    public Task KickFromRoomAsync(long roomId, long number, CancellationToken ct = default) => SendAsync(HttpMethod.Post, $"api/v1/rooms/{roomId}/kick/{number}", ct);

    public Task BanFromRoomAsync(long roomId, long number, CancellationToken ct = default) => SendAsync(HttpMethod.Put, $"api/v1/rooms/{roomId}/bans/{number}", ct);

    public Task UnbanFromRoomAsync(long roomId, long number, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/v1/rooms/{roomId}/bans/{number}", ct);

    public async Task<long[]> GetRoomBansAsync(long roomId, CancellationToken ct = default) =>
        (await GetAsync($"api/v1/rooms/{roomId}/bans", Json.RoomBanList, ct)).Numbers;
}
