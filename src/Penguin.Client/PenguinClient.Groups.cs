using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>Groups (群) over REST: docs/protocol.md §11.</summary>
public sealed partial class PenguinClient
{
    public Task<GroupSummary> CreateGroupAsync(CreateGroupRequest request, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/v1/groups", request, Json.CreateGroupRequest, Json.GroupSummary, ct);

    public async Task<GroupSummary[]> GetMyGroupsAsync(CancellationToken ct = default) => (await GetAsync("api/v1/groups", Json.GroupList, ct)).Groups;

    public Task<GroupInfo> GetGroupAsync(long groupId, CancellationToken ct = default) => GetAsync($"api/v1/groups/{groupId}", Json.GroupInfo, ct);

    public Task<GroupInfo> UpdateGroupAsync(long groupId, UpdateGroupRequest change, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"api/v1/groups/{groupId}", change, Json.UpdateGroupRequest, Json.GroupInfo, ct);

    public Task DissolveGroupAsync(long groupId, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/v1/groups/{groupId}", ct);

    public async Task<GroupMember[]> GetGroupMembersAsync(long groupId, CancellationToken ct = default) =>
        (await GetAsync($"api/v1/groups/{groupId}/members", Json.GroupMemberList, ct)).Members;

    public Task KickAsync(long groupId, long number, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/v1/groups/{groupId}/members/{number}", ct);

    public Task<GroupMember> MuteAsync(long groupId, long number, int minutes, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/v1/groups/{groupId}/members/{number}/mute", new MuteMemberRequest(minutes), Json.MuteMemberRequest, Json.GroupMember, ct);

    public Task<GroupInfo> MuteAllAsync(long groupId, bool muted, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/v1/groups/{groupId}/mute-all", new MuteAllRequest(muted), Json.MuteAllRequest, Json.GroupInfo, ct);

    public async Task<GroupMember> SetGroupAdminAsync(long groupId, long number, bool admin, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(admin ? HttpMethod.Put : HttpMethod.Delete, new Uri($"api/v1/groups/{groupId}/admins/{number}", UriKind.Relative));
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, Json.GroupMember, ct);
    }

    public Task TransferGroupAsync(long groupId, long to, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/groups/{groupId}/transfer", new TransferGroupRequest(to), Json.TransferGroupRequest, ct);

    public Task<GroupJoinOutcome> JoinGroupAsync(long groupId, string? message = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/groups/{groupId}/join", new JoinGroupRequest(message), Json.JoinGroupRequest, Json.GroupJoinOutcome, ct);

    public Task LeaveGroupAsync(long groupId, CancellationToken ct = default) => SendAsync(HttpMethod.Post, $"api/v1/groups/{groupId}/leave", ct);

    public async Task<GroupJoinRequest[]> GetJoinRequestsAsync(long groupId, CancellationToken ct = default) =>
        (await GetAsync($"api/v1/groups/{groupId}/requests", Json.GroupJoinRequestList, ct)).Requests;

    public async Task<GroupSummary> ApproveJoinAsync(long groupId, long requestId, CancellationToken ct = default)
    {
        using var response = await _http.PostAsync(new Uri($"api/v1/groups/{groupId}/requests/{requestId}/approve", UriKind.Relative), null, ct);
        return await ReadAsync(response, Json.GroupSummary, ct);
    }

    public Task RefuseJoinAsync(long groupId, long requestId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/groups/{groupId}/requests/{requestId}/refuse", ct);

    public Task InviteToGroupAsync(long groupId, long number, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/groups/{groupId}/invitations", new InviteToGroupRequest(number), Json.InviteToGroupRequest, ct);

    public Task<GroupMember> SetGroupCardAsync(long groupId, string? card, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/v1/groups/{groupId}/card", new GroupCardRequest(card), Json.GroupCardRequest, Json.GroupMember, ct);

    public Task<GroupMember> SetGroupNotifyAsync(long groupId, GroupNotify notify, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/v1/groups/{groupId}/notify", new GroupNotifyRequest(notify), Json.GroupNotifyRequest, Json.GroupMember, ct);

    /// <summary>A page of the group's history: before <paramref name="before"/> (newest page when null), or after <paramref name="after"/> to catch up; oldest first.</summary>
    public Task<GroupMessagePage> GetGroupHistoryAsync(long groupId, long? before = null, long? after = null, int? limit = null, CancellationToken ct = default) =>
        GetAsync($"api/v1/groups/{groupId}/messages?{Query(("before", before), ("after", after), ("limit", limit))}", Json.GroupMessagePage, ct);

    public Task<GroupReadCount> GetGroupReadCountAsync(long groupId, long seq, CancellationToken ct = default) =>
        GetAsync($"api/v1/groups/{groupId}/messages/{seq}/reads", Json.GroupReadCount, ct);
}
