using System.Globalization;
using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>penguin group create|join|invite|members|announce|mute|kick and 'chat g:&lt;group&gt;' with mentions, against the real server.</summary>
public sealed class GroupCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    private static long CreatedId(string json) => JsonSerializer.Deserialize(json, PenguinJson.Wire.GroupSummary)!.Group.Id;

    private static string S(long id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task CreateJoinMembersAnnounce_WorkEndToEnd()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");

        var created = await alice.RunOkAsync("group", "create", "周末爬山群", "--policy", "open", "--intro", "每周六");
        Assert.Contains("Created group ", created, StringComparison.Ordinal);
        Assert.Contains("you are its owner", created, StringComparison.Ordinal);
        var id = S(Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("group", "list", "--json"), PenguinJson.Wire.GroupList)!.Groups).Group.Id);

        Assert.Contains($"Joined group {id}", await bob.RunOkAsync("group", "join", id), StringComparison.Ordinal);
        var members = JsonSerializer.Deserialize(await bob.RunOkAsync("group", "members", id, "--json"), PenguinJson.Wire.GroupMemberList)!.Members;
        Assert.Equal([(alice.Number, GroupRole.Owner), (bob.Number, GroupRole.Member)], members.Select(m => (m.Number, m.Role)));
        var text = await bob.RunOkAsync("group", "members", id, "--lang", "zh");
        Assert.Contains("群主", text, StringComparison.Ordinal);
        Assert.Contains("共 2 人", text, StringComparison.Ordinal);

        Assert.Contains("set", await alice.RunOkAsync("group", "announce", id, "周六 8 点\\n地铁站集合"), StringComparison.Ordinal);
        using var client = await bob.LogInClientAsync();
        Assert.Equal("周六 8 点\n地铁站集合", (await client.GetGroupAsync(long.Parse(id, CultureInfo.InvariantCulture))).Announcement);
    }

    [Fact]
    public async Task InviteMuteKick_ByTheOwner_AndRefusedToAMember()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        await CliUser.BefriendAsync(alice, bob);
        await CliUser.BefriendAsync(alice, carol);
        var id = S(CreatedId(await alice.RunOkAsync("group", "create", "只限邀请", "--policy", "invite", "--json")));

        Assert.Equal(1, (await bob.RunAsync("group", "join", id)).Exit);
        Assert.Contains("Invited", await alice.RunOkAsync("group", "invite", id, bob.N), StringComparison.Ordinal);
        await alice.RunOkAsync("group", "invite", id, carol.N);
        await bob.RunOkAsync("group", "join", id);
        await carol.RunOkAsync("group", "join", id);

        // A member may neither mute nor kick: the server's error, in the user's language, exit 1.
        var refused = await bob.RunAsync("group", "kick", id, carol.N, "--lang", "zh");
        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("错误：", refused.Err, StringComparison.Ordinal);
        Assert.Equal(1, (await bob.RunAsync("group", "mute", id, carol.N, "10")).Exit);

        Assert.Contains($"{bob.N} is muted in group {id} until", await alice.RunOkAsync("group", "mute", id, bob.N, "10"), StringComparison.Ordinal);
        var muted = await bob.RunAsync(["chat", "g:" + id], input: "我被禁言了吗\n");
        Assert.Equal(1, muted.Exit);
        Assert.Contains("muted", muted.Err, StringComparison.Ordinal);
        Assert.Contains("may speak", await alice.RunOkAsync("group", "mute", id, bob.N, "0"), StringComparison.Ordinal);

        Assert.Contains($"Removed {carol.N}", await alice.RunOkAsync("group", "kick", id, carol.N), StringComparison.Ordinal);
        var members = JsonSerializer.Deserialize(await alice.RunOkAsync("group", "members", id, "--json"), PenguinJson.Wire.GroupMemberList)!.Members;
        Assert.DoesNotContain(members, m => m.Number == carol.Number);
        var notMember = await carol.RunAsync("group", "members", id);
        Assert.Equal(1, notMember.Exit);
        Assert.Contains("not a member", notMember.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatInAGroup_SendsEveryLine_WithMentions_AndShowsHistory()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        var groupId = CreatedId(await alice.RunOkAsync("group", "create", "聊天群", "--policy", "open", "--json"));
        var id = S(groupId);
        await bob.RunOkAsync("group", "join", id);

        var chat = await alice.RunAsync(["chat", "g:" + id], input: $"大家好\n@{bob.N} 明天见\n@all 开会\n/quit\n不会发送\n");

        Assert.Equal(0, chat.Exit);
        Assert.Contains("#1 Me: 大家好", chat.Out, StringComparison.Ordinal);
        using var client = await bob.LogInClientAsync();
        var history = (await client.GetGroupHistoryAsync(groupId)).Messages;
        Assert.Equal(["大家好", $"@{bob.N} 明天见", "@all 开会"], history.Select(m => m.Text));
        Assert.Equal([bob.Number], history[1].Mentions!);
        Assert.True(history[2].MentionAll);

        var bobsChat = await bob.RunAsync(["chat", "g:" + id], input: "");
        Assert.Equal(0, bobsChat.Exit);
        Assert.Contains($"#2 {alice.Nickname}: @{bob.N} 明天见  [mentions you]", bobsChat.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("group", "create")]
    [InlineData("group", "join", "abc")]
    [InlineData("group", "mute", "200001", "10001", "forever")]
    [InlineData("group", "create", "x", "--policy", "everyone")]
    [InlineData("chat", "g:abc")]
    [InlineData("group")]
    public async Task BadCommandLine_PrintsUsageAndExits2(params string[] args)
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        var result = await alice.RunAsync(args);
        Assert.Equal(2, result.Exit);
        Assert.Empty(result.Out);
        Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownGroup_IsAClearErrorInBothLanguages()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        var en = await alice.RunAsync("group", "join", "999999");
        Assert.Equal(1, en.Exit);
        Assert.Contains("error: ", en.Err, StringComparison.Ordinal);
        var zh = await alice.RunAsync(["chat", "g:999999", "--lang", "zh"], input: "");
        Assert.Equal(1, zh.Exit);
        Assert.StartsWith("错误：", zh.Err, StringComparison.Ordinal);
    }
}
