using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Bodies and query strings the endpoints cannot bind — not JSON, cut short, absent, of another media type, a number
/// that is not one or does not fit — are answered in the protocol's error shape in both languages, never with the
/// framework's English developer text, an empty body or a 500; and they change nothing.
/// </summary>
public sealed class RequestBindingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("POST", "api/v1/accounts", "application/json", "{bad", 400, "bad_request", "The body is not valid JSON.", "请求体不是有效的 JSON。")]
    [InlineData("POST", "api/v1/accounts", null, null, 400, "bad_request", "needs a JSON object as its body", "需要一个 JSON 对象作为请求体")]
    [InlineData("POST", "api/v1/accounts", "application/json", "null", 400, "bad_request", "needs a JSON object as its body", "需要一个 JSON 对象作为请求体")]
    [InlineData("POST", "api/v1/accounts", "text/plain", "{\"nickname\":\"eve\",\"password\":\"correct horse battery\"}", 415, "bad_request", "Content-Type: application/json", "请求体须为 JSON")]
    [InlineData("PATCH", "api/v1/me/profile", "application/json", "{\"nickname\":\"mallory\",}", 400, "bad_request", "The body is not valid JSON.", "请求体不是有效的 JSON。")]
    [InlineData("PATCH", "api/v1/me/profile", null, null, 400, "bad_request", "needs a JSON object as its body", "需要一个 JSON 对象作为请求体")]
    [InlineData("PUT", "api/v1/me/settings", "application/json", "{\"allowStrangerMessages\":true", 400, "bad_request", "The body is not valid JSON.", "请求体不是有效的 JSON。")]
    [InlineData("DELETE", "api/v1/me", null, null, 400, "bad_request", "needs a JSON object as its body", "需要一个 JSON 对象作为请求体")]
    [InlineData("PUT", "api/v1/groups/{group}/members/{bob}/mute", "application/json", "{\"minutes\":\"ten\"}", 400, "bad_request", "the value at $.minutes", "$.minutes 处的值")]
    [InlineData("PUT", "api/v1/groups/{group}/mute-all", "text/plain", "{\"muted\":true}", 415, "bad_request", "Content-Type: application/json", "请求体须为 JSON")]
    [InlineData("PATCH", "api/v1/groups/{group}", "application/json", "[]", 400, "bad_request", "the value at $", "$ 处的值")]
    [InlineData("GET", "api/v1/groups/{group}/messages?limit=abc", null, null, 400, "invalid_field", "'limit' must be a whole number within range.", "“limit”须为范围内的整数。")]
    [InlineData("GET", "api/v1/groups/{group}/messages?before=99999999999999999999", null, null, 400, "invalid_field", "'before' must be a whole number", "“before”须为范围内的整数")]
    [InlineData("GET", "api/v1/groups/{group}/messages?after=-", null, null, 400, "invalid_field", "'after' must be a whole number", "“after”须为范围内的整数")]
    [InlineData("GET", "api/v1/conversations/{bob}/messages?limit=1.5", null, null, 400, "invalid_field", "'limit' must be a whole number", "“limit”须为范围内的整数")]
    [InlineData("GET", "api/v1/messages?q=hi&limit=3000000000", null, null, 400, "invalid_field", "'limit' must be a whole number", "“limit”须为范围内的整数")]
    public async Task UnbindableRequest_GetsTheErrorEnvelopeInBothLanguages_AndChangesNothing(
        string method, string path, string? contentType, string? body, int status, string code, string english, string chinese)
    {
        await using var alice = await fixture.Server.RegisterAsync("alice");
        await using var bob = await fixture.Server.RegisterAsync("bob");
        var group = await alice.Rest.CreateGroupAsync(new CreateGroupRequest("企鹅", JoinPolicy: GroupJoinPolicy.Open));
        await bob.Rest.JoinGroupAsync(group.Group.Id);
        var me = await alice.Rest.GetMeAsync();
        var members = await alice.Rest.GetGroupMembersAsync(group.Group.Id);
        var info = await alice.Rest.GetGroupAsync(group.Group.Id);

        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        using var request = new HttpRequestMessage(new HttpMethod(method),
            new Uri(path.Replace("{group}", $"{group.Group.Id}", StringComparison.Ordinal).Replace("{bob}", $"{bob.Number}", StringComparison.Ordinal), UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice.Rest.Token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        }
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"code\":\"{code}\"", text, StringComparison.Ordinal);
        Assert.Contains(english, text, StringComparison.Ordinal);
        Assert.Contains(chinese, text, StringComparison.Ordinal);
        foreach (var leak in new[] { "Nullable", "Did you mean", "parameter \\u0022", "System.", "Penguin.", "Failed to" })
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);

        Assert.Equivalent(me, await alice.Rest.GetMeAsync(), strict: true);
        Assert.Equivalent(members, await alice.Rest.GetGroupMembersAsync(group.Group.Id), strict: true);
        Assert.Equivalent(info, await alice.Rest.GetGroupAsync(group.Group.Id), strict: true);
    }

    [Fact]
    public async Task RegistrationWithATextBody_CreatesNoAccount()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        var nickname = $"nobody{Guid.NewGuid():N}"[..20];
        using var refused = await http.PostAsync(new Uri("api/v1/accounts", UriKind.Relative),
            new StringContent($"{{\"nickname\":\"{nickname}\",\"password\":\"correct horse battery\"}}", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);

        await using var alice = await fixture.Server.RegisterAsync("alice");
        Assert.DoesNotContain(await alice.Rest.SearchAsync(nickname), p => p.Nickname == nickname);
    }
}
