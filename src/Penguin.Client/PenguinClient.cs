using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Penguin.Protocol;

namespace Penguin.Client;

/// <summary>A failure the server reported: its protocol error and the HTTP status (0 on the WebSocket).</summary>
public sealed class PenguinException(Error error, int status = 0) : Exception($"{error.Code}: {error.Message}")
{
    public Error Error { get; } = error;
    public int Status { get; } = status;
}

/// <summary>The REST side of Penguin: accounts, profiles, the buddy list. <see cref="ConnectAsync"/> opens the live connection.</summary>
public sealed partial class PenguinClient : IDisposable
{
    private static readonly PenguinJson Json = PenguinJson.Wire;
    private readonly HttpClient _http;

    public PenguinClient(Uri baseUri, HttpMessageHandler? handler = null)
    {
        BaseUri = baseUri;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseUri;
        _http.Timeout = TimeSpan.FromSeconds(30);
    }

    public Uri BaseUri { get; }

    /// <summary>The session token of the logged-in device; set by <see cref="LoginAsync"/> or directly to resume.</summary>
    public string? Token
    {
        get => _http.DefaultRequestHeaders.Authorization?.Parameter;
        set => _http.DefaultRequestHeaders.Authorization = value is null ? null : new("Bearer", value);
    }

    public async Task<long> RegisterAsync(string nickname, string password, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Post, "api/v1/accounts", new RegisterRequest(nickname, password), Json.RegisterRequest, Json.RegisterResponse, ct)).Number;

    public async Task<LoginResponse> LoginAsync(long number, string password, DeviceKind device, string? deviceName = null, CancellationToken ct = default)
    {
        var login = await SendAsync(HttpMethod.Post, "api/v1/sessions", new LoginRequest(number, password, device, deviceName), Json.LoginRequest, Json.LoginResponse, ct);
        Token = login.Token;
        return login;
    }

    public Task<SessionList> GetSessionsAsync(CancellationToken ct = default) => GetAsync("api/v1/sessions", Json.SessionList, ct);

    public Task LogoutAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Delete, "api/v1/sessions/current", ct);

    public Task LogoutSessionAsync(long sessionId, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/v1/sessions/{sessionId}", ct);

    public Task LogoutAllAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Delete, "api/v1/sessions", ct);

    public Task<Me> GetMeAsync(CancellationToken ct = default) => GetAsync("api/v1/me", Json.Me, ct);

    /// <summary>Changes the password; every other session of the account ends, this one stays.</summary>
    public Task ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "api/v1/me/password", new ChangePasswordRequest(currentPassword, newPassword), Json.ChangePasswordRequest, ct);

    /// <summary>Deletes the account for good (docs/protocol.md, "Deleting an account"); this client is logged out.</summary>
    public async Task DeleteAccountAsync(string password, CancellationToken ct = default)
    {
        await SendAsync(HttpMethod.Delete, "api/v1/me", new DeleteAccountRequest(password), Json.DeleteAccountRequest, ct);
        Token = null;
    }

    public Task<Profile> UpdateProfileAsync(UpdateProfileRequest change, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, "api/v1/me/profile", change, Json.UpdateProfileRequest, Json.Profile, ct);

    public Task<AccountSettings> UpdateSettingsAsync(AccountSettings settings, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "api/v1/me/settings", settings, Json.AccountSettings, Json.AccountSettings, ct);

    public Task<AvatarList> GetAvatarsAsync(CancellationToken ct = default) => GetAsync("api/v1/avatars", Json.AvatarList, ct);

    public Task<Profile> GetUserAsync(long number, CancellationToken ct = default) => GetAsync($"api/v1/users/{number}", Json.Profile, ct);

    public async Task<Profile[]> SearchAsync(string query, CancellationToken ct = default) =>
        (await GetAsync($"api/v1/users?q={Uri.EscapeDataString(query)}", Json.UserList, ct)).Users;

    public Task<BuddyList> GetFriendsAsync(CancellationToken ct = default) => GetAsync("api/v1/friends", Json.BuddyList, ct);

    public Task UpdateFriendAsync(long number, long? groupId = null, string? remark = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"api/v1/friends/{number}", new UpdateFriendRequest(groupId, remark), Json.UpdateFriendRequest, ct);

    public Task RemoveFriendAsync(long number, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/v1/friends/{number}", ct);

    public Task<FriendRequestList> GetFriendRequestsAsync(CancellationToken ct = default) => GetAsync("api/v1/friend-requests", Json.FriendRequestList, ct);

    public Task<FriendRequestOutcome> SendFriendRequestAsync(long to, string? message = null, long? groupId = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/v1/friend-requests", new SendFriendRequest(to, message, groupId), Json.SendFriendRequest, Json.FriendRequestOutcome, ct);

    public Task<FriendRequestOutcome> AcceptFriendRequestAsync(long requestId, long? groupId = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/friend-requests/{requestId}/accept", new AnswerFriendRequest(groupId), Json.AnswerFriendRequest, Json.FriendRequestOutcome, ct);

    public Task<FriendRequestOutcome> DeclineFriendRequestAsync(long requestId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/friend-requests/{requestId}/decline", new AnswerFriendRequest(), Json.AnswerFriendRequest, Json.FriendRequestOutcome, ct);

    public async Task<BuddyGroup[]> GetGroupsAsync(CancellationToken ct = default) => (await GetAsync("api/v1/buddy-groups", Json.BuddyGroupList, ct)).Groups;

    public async Task<BuddyGroup[]> CreateGroupAsync(string name, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Post, "api/v1/buddy-groups", new BuddyGroupName(name), Json.BuddyGroupName, Json.BuddyGroupList, ct)).Groups;

    public async Task<BuddyGroup[]> RenameGroupAsync(long groupId, string name, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Patch, $"api/v1/buddy-groups/{groupId}", new BuddyGroupName(name), Json.BuddyGroupName, Json.BuddyGroupList, ct)).Groups;

    public async Task<BuddyGroup[]> DeleteGroupAsync(long groupId, CancellationToken ct = default)
    {
        using var response = await _http.DeleteAsync(new Uri($"api/v1/buddy-groups/{groupId}", UriKind.Relative), ct);
        return (await ReadAsync(response, Json.BuddyGroupList, ct)).Groups;
    }

    public async Task<BuddyGroup[]> ReorderGroupsAsync(long[] ids, CancellationToken ct = default) =>
        (await SendAsync(HttpMethod.Put, "api/v1/buddy-groups/order", new BuddyGroupOrder(ids), Json.BuddyGroupOrder, Json.BuddyGroupList, ct)).Groups;

    public async Task<long[]> GetBlockedAsync(CancellationToken ct = default) => (await GetAsync("api/v1/blocks", Json.BlockList, ct)).Blocked;

    public async Task<long[]> BlockAsync(long number, CancellationToken ct = default)
    {
        using var response = await _http.PutAsync(new Uri($"api/v1/blocks/{number}", UriKind.Relative), null, ct);
        return (await ReadAsync(response, Json.BlockList, ct)).Blocked;
    }

    public async Task<long[]> UnblockAsync(long number, CancellationToken ct = default)
    {
        using var response = await _http.DeleteAsync(new Uri($"api/v1/blocks/{number}", UriKind.Relative), ct);
        return (await ReadAsync(response, Json.BlockList, ct)).Blocked;
    }

    public async Task<Conversation[]> GetConversationsAsync(CancellationToken ct = default) =>
        (await GetAsync("api/v1/conversations", Json.ConversationList, ct)).Conversations;

    /// <summary>A page of the conversation with <paramref name="peer"/> before message seq <paramref name="before"/> (newest page when null), oldest first.</summary>
    public Task<MessagePage> GetHistoryAsync(long peer, long? before = null, int? limit = null, CancellationToken ct = default) =>
        GetAsync($"api/v1/conversations/{peer}/messages?{Query(("before", before), ("limit", limit))}", Json.MessagePage, ct);

    public Task<MessagePage> SearchMessagesAsync(string text, int? limit = null, CancellationToken ct = default) =>
        GetAsync($"api/v1/messages?q={Uri.EscapeDataString(text)}&{Query(("limit", limit))}", Json.MessagePage, ct);

    /// <summary>Opens the live WebSocket connection with this client's token.</summary>
    public Task<PenguinConnection> ConnectAsync(long? since = null, PresenceStatus? status = null, HttpMessageInvoker? invoker = null, CancellationToken ct = default) =>
        PenguinConnection.ConnectAsync(WebSocketUri(BaseUri), Token ?? throw new InvalidOperationException("Log in first."), since, status, invoker, ct);

    public static Uri WebSocketUri(Uri baseUri) =>
        new UriBuilder(baseUri) { Scheme = baseUri.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = "v=1" }.Uri;

    public void Dispose() => _http.Dispose();

    private static string Query(params (string Name, long? Value)[] parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={p.Value}"));

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), ct);
        return await ReadAsync(response, type, ct);
    }

    private async Task<TOut> SendAsync<TIn, TOut>(HttpMethod method, string path, TIn body, JsonTypeInfo<TIn> inType, JsonTypeInfo<TOut> outType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, inType) };
        using var response = await _http.SendAsync(request, ct);
        return await ReadAsync(response, outType, ct);
    }

    private async Task SendAsync<TIn>(HttpMethod method, string path, TIn body, JsonTypeInfo<TIn> inType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, inType) };
        using var response = await _http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
    }

    private async Task SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        using var response = await _http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync(type, ct))!;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        Error error;
        try
        {
            error = (await response.Content.ReadFromJsonAsync(Json.ErrorResponse, ct))?.Error ?? Errors.Internal;
        }
        catch (JsonException)
        {
            error = response.StatusCode == HttpStatusCode.ServiceUnavailable ? Errors.Unavailable : Errors.Internal;
        }
        throw new PenguinException(error, (int)response.StatusCode);
    }
}
