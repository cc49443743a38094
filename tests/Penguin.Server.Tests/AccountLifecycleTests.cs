using Microsoft.Extensions.DependencyInjection;
using Penguin.Client;
using Penguin.Protocol;
using Penguin.Server.Admin;

namespace Penguin.Server.Tests;

/// <summary>Changing a password, deleting an account, and what an administrator does with penguin-server admin.</summary>
public sealed class AccountLifecycleTests
{
    private const string NewPassword = "a brand new secret";

    private static string Invariant(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ChangePassword_EndsOtherSessions_KeepsThisOne_OnlyTheNewPasswordLogsIn()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        var (phone, phoneLive) = await alice.AddDeviceAsync(DeviceKind.Mobile);

        await alice.Rest.ChangePasswordAsync(User.Password, NewPassword);

        await phoneLive.WaitForAsync<SessionEnded>();
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => phone.GetMeAsync())).Error.Code);
        Assert.Equal("alice", (await alice.Rest.GetMeAsync()).Profile.Nickname);
        Assert.Single((await alice.Rest.GetSessionsAsync()).Sessions);
        using var fresh = server.NewClient();
        Assert.Equal("auth_failed", (await Assert.ThrowsAsync<PenguinException>(() => fresh.LoginAsync(alice.Number, User.Password, DeviceKind.Pc))).Error.Code);
        await fresh.LoginAsync(alice.Number, NewPassword, DeviceKind.Pc);
    }

    [Theory]
    [InlineData("not my password", NewPassword, "wrong_password", 403)]
    [InlineData(User.Password, "short", "invalid_password", 400)]
    public async Task ChangePassword_Refused_ChangesNothing(string current, string next, string code, int status)
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        var (phone, _) = await alice.AddDeviceAsync(DeviceKind.Mobile);

        var error = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.ChangePasswordAsync(current, next));

        Assert.Equal(code, error.Error.Code);
        Assert.Equal(status, error.Status);
        Assert.False(string.IsNullOrEmpty(error.Error.MessageZh));
        await phone.GetMeAsync();
        using var fresh = server.NewClient();
        await fresh.LoginAsync(alice.Number, User.Password, DeviceKind.Pc);
    }

    [Fact]
    public async Task DeleteAccount_CannotLogIn_OthersSeeItGone_SentMessagesStayWithTheReceiver()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await carol.Rest.SendFriendRequestAsync(alice.Number, "hi");
        var aliceLive = await alice.ConnectAsync();
        await aliceLive.SendTextAsync(bob.Number, "再见 goodbye");

        await alice.Rest.DeleteAccountAsync(User.Password);

        await aliceLive.WaitForAsync<SessionEnded>();
        using var again = server.NewClient();
        Assert.Equal("auth_failed", (await Assert.ThrowsAsync<PenguinException>(() => again.LoginAsync(alice.Number, User.Password, DeviceKind.Pc))).Error.Code);
        Assert.DoesNotContain((await bob.Rest.GetFriendsAsync()).Friends, f => f.Profile.Number == alice.Number);
        Assert.Equal(404, (await Assert.ThrowsAsync<PenguinException>(() => bob.Rest.GetUserAsync(alice.Number))).Status);
        Assert.Empty(await bob.Rest.SearchAsync("alice"));
        Assert.Equal(404, (await Assert.ThrowsAsync<PenguinException>(() => bob.Rest.SendFriendRequestAsync(alice.Number, "back?"))).Status);
        Assert.DoesNotContain((await carol.Rest.GetFriendRequestsAsync()).Outgoing, r => r.State == FriendRequestState.Pending);
        Assert.Equal("再见 goodbye", Assert.Single((await bob.Rest.GetHistoryAsync(alice.Number)).Messages).Text);
        Assert.Equal(10004, await again.RegisterAsync("dave", User.Password)); // the number is never given out again
    }

    [Fact]
    public async Task DeleteAccount_ItsGroupsPassToTheLongestStandingAdmin_AGroupItOwnedAloneIsDissolved_ElsewhereItLeaves()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        var open = new CreateGroupRequest("周末爬山群", JoinPolicy: GroupJoinPolicy.Open);
        var hiking = (await alice.Rest.CreateGroupAsync(open)).Group.Id;
        await carol.Rest.JoinGroupAsync(hiking); // a member longer than Bob, but Bob is an admin
        await bob.Rest.JoinGroupAsync(hiking);
        await alice.Rest.SetGroupAdminAsync(hiking, bob.Number, true);
        var solo = (await alice.Rest.CreateGroupAsync(open)).Group.Id;
        var carols = (await carol.Rest.CreateGroupAsync(open)).Group.Id;
        await alice.Rest.JoinGroupAsync(carols);
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();

        await alice.Rest.DeleteAccountAsync(User.Password);

        Assert.Equal(GroupRole.Owner, (await bobLive.WaitForAsync<GroupMembershipChanged>(m => m.GroupId == hiking)).Member.Role);
        Assert.Equal(bob.Number, (await carolLive.WaitForAsync<GroupUpdated>(u => u.Group.Id == hiking)).Group.Owner);
        var card = await bob.Rest.GetGroupAsync(hiking);
        Assert.Equal((bob.Number, 2), (card.Owner, card.MemberCount));
        Assert.Equal([(bob.Number, GroupRole.Owner), (carol.Number, GroupRole.Member)],
            (await carol.Rest.GetGroupMembersAsync(hiking)).Select(m => (m.Number, m.Role)));
        await bob.Rest.DissolveGroupAsync(hiking); // the new owner has every right of one
        Assert.True((await carol.Rest.GetGroupAsync(solo)).Dissolved);
        Assert.Equal([carol.Number], (await carol.Rest.GetGroupMembersAsync(carols)).Select(m => m.Number));
        // Nothing attaches to the deleted account any more.
        Assert.Equal(404, (await Assert.ThrowsAsync<PenguinException>(() => carol.Rest.InviteToGroupAsync(carols, alice.Number))).Status);
    }

    [Fact]
    public async Task DeleteAccount_ItsPendingJoinRequests_LeaveEveryAdminsInbox()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var carol = await server.RegisterAsync("carol");
        var group = (await carol.Rest.CreateGroupAsync(new CreateGroupRequest("读书会", JoinPolicy: GroupJoinPolicy.Approval))).Group.Id;
        var request = (await alice.Rest.JoinGroupAsync(group, "想加入")).Request!;
        var carolLive = await carol.ConnectAsync();

        await alice.Rest.DeleteAccountAsync(User.Password);

        var handled = await carolLive.WaitForAsync<GroupJoinRequestHandled>(h => h.RequestId == request.Id);
        Assert.Equal((group, alice.Number, false), (handled.GroupId, handled.By, handled.Approved));
        Assert.Empty(await carol.Rest.GetJoinRequestsAsync(group));
    }

    [Fact]
    public async Task DeleteAccount_LeftHalfDoneByAStoppedNode_IsFinishedByTheSweep_WithTheSameEvents()
    {
        await using var server = await TestServer.StartAsync(o => o.Accounts.DeletionSweepInterval = TimeSpan.FromMilliseconds(100));
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var group = (await alice.Rest.CreateGroupAsync(new CreateGroupRequest("周末爬山群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        await bob.Rest.JoinGroupAsync(group);
        var bobLive = await bob.ConnectAsync();

        // The node stopped right after the mark: the friendship and the group's ownership were never ended.
        var store = server.Services.GetRequiredService<Penguin.Core.Accounts.IAccountStore>();
        await store.MarkDeletedAsync(alice.Number, DateTimeOffset.UtcNow);

        Assert.Equal(alice.Number, (await bobLive.WaitForAsync<FriendRemoved>(r => r.Number == alice.Number)).Number);
        Assert.Equal(GroupRole.Owner, (await bobLive.WaitForAsync<GroupMembershipChanged>(m => m.GroupId == group)).Member.Role);
        Assert.Empty((await bob.Rest.GetFriendsAsync()).Friends);
        Assert.Equal((bob.Number, 1), ((await bob.Rest.GetGroupAsync(group)).Owner, (await bob.Rest.GetGroupAsync(group)).MemberCount));
        Assert.Empty(await store.ListUnfinishedDeletionsAsync(0, 100));
    }

    [Fact]
    public async Task DeleteAccount_WrongPassword_DeletesNothing()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");

        var error = await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.DeleteAccountAsync("not my password"));

        Assert.Equal("wrong_password", error.Error.Code);
        Assert.Equal("alice", (await alice.Rest.GetMeAsync()).Profile.Nickname);
    }

    private static async Task<(int Code, string Output, string Error)> AdminAsync(TestServer server, string? input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AdminCommand.RunAsync(
            [$"--Penguin:DataDirectory={server.DataDirectory}", "--Penguin:Accounts:PasswordIterations=1000", .. args],
            output, error, new StringReader(input ?? ""));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Admin_ResetPassword_FromStdin_EndsSessions_NewPasswordLogsIn()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");

        var (code, _, error) = await AdminAsync(server, NewPassword + "\n", "reset-password", Invariant(alice.Number), "--password-stdin");

        Assert.Equal(0, code);
        Assert.Contains("1 session(s) ended", error, StringComparison.Ordinal);
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.GetMeAsync())).Error.Code);
        using var fresh = server.NewClient();
        await fresh.LoginAsync(alice.Number, NewPassword, DeviceKind.Pc);
    }

    [Fact]
    public async Task Admin_ResetPassword_Generated_IsPrintedAndWorks()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");

        var (code, output, _) = await AdminAsync(server, null, "reset-password", Invariant(alice.Number));

        Assert.Equal(0, code);
        var password = output.Trim();
        Assert.Equal(16, password.Length);
        using var fresh = server.NewClient();
        await fresh.LoginAsync(alice.Number, password, DeviceKind.Pc);
    }

    [Fact]
    public async Task Admin_DisableThenEnable_BlocksLoginUntilEnabled()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        using var fresh = server.NewClient();

        Assert.Equal(0, (await AdminAsync(server, null, "disable", Invariant(alice.Number))).Code);
        var refused = await Assert.ThrowsAsync<PenguinException>(() => fresh.LoginAsync(alice.Number, User.Password, DeviceKind.Pc));
        var user = await AdminAsync(server, null, "user", Invariant(alice.Number));
        Assert.Equal(0, (await AdminAsync(server, null, "enable", Invariant(alice.Number))).Code);

        Assert.Equal("account_disabled", refused.Error.Code);
        Assert.Equal(403, refused.Status);
        Assert.Contains("disabled", user.Output, StringComparison.Ordinal);
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.GetMeAsync())).Error.Code);
        await fresh.LoginAsync(alice.Number, User.Password, DeviceKind.Pc);
    }

    [Fact]
    public async Task Admin_ListAndRevokeSessions()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        var (phone, _) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var phoneSession = (await phone.GetSessionsAsync()).Sessions.Single(s => s.Current).Id;

        var listed = await AdminAsync(server, null, "sessions", Invariant(alice.Number));
        var revoked = await AdminAsync(server, null, "revoke-session", Invariant(alice.Number), Invariant(phoneSession));

        Assert.Equal(0, listed.Code);
        Assert.Equal(3, listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header + 2 sessions
        Assert.Contains("mobile", listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, revoked.Code);
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => phone.GetMeAsync())).Error.Code);
        await alice.Rest.GetMeAsync();
        Assert.Equal(0, (await AdminAsync(server, null, "revoke-sessions", Invariant(alice.Number))).Code);
        Assert.Equal("invalid_token", (await Assert.ThrowsAsync<PenguinException>(() => alice.Rest.GetMeAsync())).Error.Code);
    }

    [Theory]
    [InlineData(1, "user", "99999")]
    [InlineData(64, "user")]
    [InlineData(64, "frobnicate", "10001")]
    [InlineData(64, "revoke-session", "10001")]
    public async Task Admin_BadCommand_SaysWhatIsWrong_NonZeroExit(int expected, params string[] args)
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync("alice");

        var (code, _, error) = await AdminAsync(server, null, args);

        Assert.Equal(expected, code);
        Assert.StartsWith("penguin-server admin: ", error.Split('\n').Last(l => l.Length > 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_DataDirectoryWithoutADatabase_SaysSo_AndCreatesNothing()
    {
        var empty = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await AdminCommand.RunAsync([$"--Penguin:DataDirectory={empty}", "user", "10001"], output, error);

        Assert.Equal(AdminCommand.NoDatabase, code);
        Assert.StartsWith($"penguin-server admin: no database at {Path.Combine(empty, "penguin.db")}", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(empty));
    }
}
