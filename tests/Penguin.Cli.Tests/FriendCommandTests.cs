using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

public sealed class FriendCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private string Server => fixture.Server.Url;

    /// <summary>Bob asks Alice; Alice accepts into her "Classmates" group. Returns Alice's group id.</summary>
    private static async Task<long> BefriendAsync(CliUser alice, CliUser bob)
    {
        var groups = JsonSerializer.Deserialize(await alice.RunOkAsync("groups", "add", "Classmates", "--json"), PenguinJson.Wire.BuddyGroupList)!;
        var classmates = groups.Groups.Single(g => g.Name == "Classmates").Id;

        var sent = await bob.RunOkAsync("add", alice.N, "--message", "我是 Bob");
        Assert.Contains("Friend request", sent, StringComparison.Ordinal);

        var requests = JsonSerializer.Deserialize(await alice.RunOkAsync("requests", "--json"), PenguinJson.Wire.FriendRequestList)!;
        var request = Assert.Single(requests.Incoming);
        Assert.Equal(bob.Number, request.From.Number);
        Assert.Equal("我是 Bob", request.Message);

        var accepted = await alice.RunOkAsync("accept", request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--group", classmates.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("now friends", accepted, StringComparison.Ordinal);
        return classmates;
    }

    [Fact]
    public async Task Accept_IntoAGroup_FriendsListsTheFriendUnderThatGroup()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        var classmates = await BefriendAsync(alice, bob);

        var list = JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!;
        Assert.Equal(classmates, Assert.Single(list.Friends, f => f.Profile.Number == bob.Number).GroupId);

        // Human output: Bob's row comes after the Classmates header, offline (he has no open connection).
        var text = await alice.RunOkAsync("friends");
        var header = text.IndexOf("▾ Classmates (0/1)", StringComparison.Ordinal);
        var row = text.IndexOf($"○ {bob.Nickname} {bob.N}  offline", StringComparison.Ordinal);
        Assert.True(header >= 0 && row > header, text);

        // Bob sees Alice in his default group.
        var bobs = JsonSerializer.Deserialize(await bob.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!;
        var defaultGroup = bobs.Groups.Single(g => g.IsDefault).Id;
        Assert.Equal(defaultGroup, Assert.Single(bobs.Friends).GroupId);
    }

    [Fact]
    public async Task RemarkMoveAndRemove_ChangeTheBuddyList()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await BefriendAsync(alice, bob);

        await alice.RunOkAsync("friend", "remark", bob.N, "老同学");
        Assert.Contains($"老同学 [{bob.Nickname}] {bob.N}", await alice.RunOkAsync("friends"), StringComparison.Ordinal);

        var groups = JsonSerializer.Deserialize(await alice.RunOkAsync("groups", "--json"), PenguinJson.Wire.BuddyGroupList)!;
        var defaultGroup = groups.Groups.Single(g => g.IsDefault).Id;
        await alice.RunOkAsync("friend", "move", bob.N, defaultGroup.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var moved = JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!;
        Assert.Equal(defaultGroup, Assert.Single(moved.Friends).GroupId);

        await alice.RunOkAsync("friend", "remove", bob.N);
        var after = JsonSerializer.Deserialize(await alice.RunOkAsync("friends", "--json"), PenguinJson.Wire.BuddyList)!;
        Assert.Empty(after.Friends);

        var again = await alice.RunAsync("friend", "remove", bob.N);
        Assert.Equal(1, again.Exit);
        Assert.Contains(Errors.NotFriends.Message, again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decline_ClosesTheRequest_AndAcceptingItThenFails()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        await carol.RunOkAsync("add", alice.N);
        var request = Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("requests", "--json"), PenguinJson.Wire.FriendRequestList)!.Incoming);
        var id = request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Contains("Declined", await alice.RunOkAsync("decline", id), StringComparison.Ordinal);
        var accept = await alice.RunAsync("accept", id, "--lang", "zh");
        Assert.Equal(1, accept.Exit);
        Assert.Contains(Errors.RequestClosed.MessageZh, accept.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_FindsByNumber_AndBlockListRoundTrips()
    {
        using var alice = await CliUser.CreateAsync(Server, "Alice");
        using var dan = await CliUser.CreateAsync(Server, "Dan");

        Assert.Contains(dan.Nickname, await alice.RunOkAsync("search", dan.N), StringComparison.Ordinal);

        await alice.RunOkAsync("block", dan.N);
        Assert.Equal([dan.Number], JsonSerializer.Deserialize(await alice.RunOkAsync("blocks", "--json"), PenguinJson.Wire.BlockList)!.Blocked);
        var add = await dan.RunAsync("add", alice.N);
        Assert.Equal(1, add.Exit);

        await alice.RunOkAsync("unblock", dan.N);
        Assert.Empty(JsonSerializer.Deserialize(await alice.RunOkAsync("blocks", "--json"), PenguinJson.Wire.BlockList)!.Blocked);
    }
}
