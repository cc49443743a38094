using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Red packets (红包) over real HTTP and WebSocket on the real server: in a group and in a 1:1 chat, fixed and lucky,
/// claimed once each, by members only, raced for, refunded after 24 hours, retried, and every bad amount refused.
/// </summary>
public sealed class RedPacketTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Pay = "135790";

    private TestServer Server => fixture.Server;

    private static string NewKey() => Guid.NewGuid().ToString("N");

    private static async Task<string> CodeOf(Func<Task> action) => (await Assert.ThrowsAsync<PenguinException>(action)).Error.Code;

    /// <summary>A user with a payment password and <paramref name="fen"/> in the wallet.</summary>
    private static async Task<User> PayerAsync(TestServer server, string name, long fen)
    {
        var user = await server.RegisterAsync(name);
        await user.Rest.SetPayPasswordAsync(new SetPayPasswordRequest(Pay, LoginPassword: User.Password));
        if (fen > 0) Assert.True((await server.Services.GetRequiredService<WalletService>().DepositAsync(user.Number, fen, NewKey())).IsOk);
        return user;
    }

    private static async Task<long> GroupOfAsync(User owner, IEnumerable<User> members)
    {
        var group = (await owner.Rest.CreateGroupAsync(new CreateGroupRequest("红包群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        foreach (var member in members) Assert.Equal(GroupJoinState.Joined, (await member.Rest.JoinGroupAsync(group)).State);
        return group;
    }

    private static async Task AssertLedgerCleanAsync(TestServer server) =>
        Assert.True((await server.Services.GetRequiredService<WalletService>().AuditAsync()).IsClean, "the journal balances and nothing was created or destroyed");

    [Fact]
    public async Task Group_LuckyRedPacket_SharesSumExactly_EachClaimsOnce_MembersSeeWhoGotWhat()
    {
        var alice = await PayerAsync(Server, "alice", 10_000);
        var members = new[] { await Server.RegisterAsync("bob"), await Server.RegisterAsync("carol"), await Server.RegisterAsync("dave"), await Server.RegisterAsync("erin") };
        var group = await GroupOfAsync(alice, members);
        var bobLive = await members[0].ConnectAsync();

        var packet = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_000, 3, Pay, GroupId: group, Lucky: true, Greeting: "新年快乐"), NewKey());

        Assert.Equal(("open", 1_000L, 3, "新年快乐"), (packet.Status, packet.Amount, packet.Count, packet.Greeting));
        Assert.Equal(packet.Id, (await bobLive.WaitForAsync<RedPacketUpdated>(e => e.RedPacket.Id == packet.Id)).RedPacket.Id);
        Assert.Equal(9_000, (await alice.Rest.GetWalletAsync()).Cny);
        var claims = new List<RedPacketClaimResult>();
        foreach (var member in members.Take(3)) claims.Add(await member.Rest.ClaimRedPacketAsync(packet.Id));
        Assert.Equal(1_000, claims.Sum(c => c.Amount));
        Assert.All(claims, c => Assert.True(c.Amount >= 1));
        Assert.Equal("finished", claims[^1].RedPacket.Status);
        Assert.Equal("red_packet_empty", await CodeOf(() => members[3].Rest.ClaimRedPacketAsync(packet.Id)));
        var again = await members[0].Rest.ClaimRedPacketAsync(packet.Id); // a second claim answers the first, moves nothing
        Assert.Equal((true, claims[0].Amount), (again.Replayed, again.Amount));
        Assert.Equal(claims[0].Amount, (await members[0].Rest.GetWalletAsync()).Cny);

        // Everyone in the group sees who claimed what, including one who got nothing.
        var details = await members[3].Rest.GetRedPacketAsync(packet.Id);
        Assert.Equal([.. members.Take(3).Select(m => m.Number)], details.Claims.Select(c => c.UserId).Order().ToArray());
        Assert.Equal(claims.Select(c => c.Amount).Order(), details.Claims.Select(c => c.Amount).Order());
        Assert.Equal((3, 1_000L), (details.RedPacket.ClaimedCount, details.RedPacket.ClaimedAmount));
        var aliceLive = await alice.ConnectAsync(since: 0);
        await aliceLive.WaitForAsync<RedPacketUpdated>(e => e.RedPacket.Id == packet.Id && e.RedPacket.Status == "finished" && e.Claim is not null);
        await AssertLedgerCleanAsync(Server);
        await alice.DisposeAsync();
        foreach (var m in members) await m.DisposeAsync();
    }

    [Fact]
    public async Task Group_NonMember_CannotClaimOrSeeIt_AndTheSenderMayClaimToo()
    {
        await using var alice = await PayerAsync(Server, "alice", 5_000);
        await using var bob = await Server.RegisterAsync("bob");
        await using var mallory = await Server.RegisterAsync("mallory");
        var group = await GroupOfAsync(alice, [bob]);
        var packet = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(600, 2, Pay, GroupId: group), NewKey());

        Assert.Equal("not_found", await CodeOf(() => mallory.Rest.ClaimRedPacketAsync(packet.Id)));
        Assert.Equal("not_found", await CodeOf(() => mallory.Rest.GetRedPacketAsync(packet.Id)));
        Assert.Equal("not_member", await CodeOf(() => mallory.Rest.SendRedPacketAsync(new CreateRedPacketRequest(100, 1, Pay, GroupId: group), NewKey())));
        Assert.Equal(300, (await alice.Rest.ClaimRedPacketAsync(packet.Id)).Amount); // fixed: 600 / 2
        Assert.Equal(300, (await bob.Rest.ClaimRedPacketAsync(packet.Id)).Amount);
        Assert.Equal((4_700L, 300L, 0L), ((await alice.Rest.GetWalletAsync()).Cny, (await bob.Rest.GetWalletAsync()).Cny, (await mallory.Rest.GetWalletAsync()).Cny));
        Assert.Equal("not_found", await CodeOf(() => mallory.Rest.GetRedPacketAsync(packet.Id)));
        await AssertLedgerCleanAsync(Server);
    }

    [Fact]
    public async Task OneToOne_FixedRedPacket_OnlyTheReceiverClaims_NobodyElseSeesIt()
    {
        await using var alice = await PayerAsync(Server, "alice", 5_000);
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        var bobLive = await bob.ConnectAsync();

        Assert.Equal("not_friends", await CodeOf(() => alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(100, 1, Pay, To: carol.Number), NewKey())));
        var packet = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(888, 1, Pay, To: bob.Number), NewKey());
        Assert.Equal(RedPacketService.DefaultGreeting, (await bobLive.WaitForAsync<RedPacketUpdated>(e => e.RedPacket.Id == packet.Id)).RedPacket.Greeting);

        Assert.Equal("forbidden", await CodeOf(() => alice.Rest.ClaimRedPacketAsync(packet.Id)));
        Assert.Equal("not_found", await CodeOf(() => carol.Rest.ClaimRedPacketAsync(packet.Id)));
        Assert.Equal("not_found", await CodeOf(() => carol.Rest.GetRedPacketAsync(packet.Id)));
        var claimed = await bob.Rest.ClaimRedPacketAsync(packet.Id);

        Assert.Equal((888L, "finished"), (claimed.Amount, claimed.RedPacket.Status));
        Assert.Equal(888, (await bob.Rest.GetWalletAsync()).Cny);
        var history = await bob.Rest.GetWalletHistoryAsync();
        Assert.Equal(("red_packet_claim", 888L, packet.Id), (history.Items[0].Kind, history.Items[0].Amount, history.Items[0].Reference));
        Assert.Equal(bob.Number, Assert.Single((await alice.Rest.GetRedPacketAsync(packet.Id)).Claims).UserId);
        await AssertLedgerCleanAsync(Server);
    }

    [Fact]
    public async Task Group_200ConcurrentClaimersFor10Shares_ExactlyTenWin_BalancesExact()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await PayerAsync(server, "alice", 100_000);
        var claimers = new User[200];
        for (var i = 0; i < claimers.Length; i++) claimers[i] = await server.RegisterAsync($"m{i}");
        var group = await GroupOfAsync(alice, claimers);
        var packet = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(12_345, 10, Pay, GroupId: group, Lucky: true), NewKey());

        using var start = new SemaphoreSlim(0);
        var races = claimers.Select(async c =>
        {
            await start.WaitAsync();
            try
            {
                return (c, Amount: (long?)(await c.Rest.ClaimRedPacketAsync(packet.Id)).Amount, Code: (string?)null);
            }
            catch (PenguinException e)
            {
                return (c, Amount: null, Code: e.Error.Code);
            }
        }).ToArray();
        start.Release(claimers.Length);
        var outcomes = await Task.WhenAll(races);

        var winners = outcomes.Where(o => o.Amount is not null).ToArray();
        Assert.Equal(10, winners.Length);
        Assert.All(outcomes.Where(o => o.Amount is null), o => Assert.Equal("red_packet_empty", o.Code));
        Assert.Equal(12_345, winners.Sum(w => w.Amount!.Value));
        foreach (var (c, amount, _) in outcomes) Assert.Equal(amount ?? 0, (await c.Rest.GetWalletAsync()).Cny);
        var details = await alice.Rest.GetRedPacketAsync(packet.Id);
        Assert.Equal(("finished", 10, 12_345L), (details.RedPacket.Status, details.Claims.Length, details.Claims.Sum(c => c.Amount)));
        Assert.Equal(100_000 - 12_345, (await alice.Rest.GetWalletAsync()).Cny);
        await AssertLedgerCleanAsync(server);
        foreach (var c in claimers) await c.DisposeAsync();
    }

    [Fact]
    public async Task RedPacket_NotFinishedIn24Hours_TheRestGoesBackToTheSender()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromHours(1), clock);
        await using var alice = await PayerAsync(server, "alice", 10_000);
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        var group = await GroupOfAsync(alice, [bob, carol]);
        var packet = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_000, 5, Pay, GroupId: group, Lucky: true), NewKey());
        var claimed = (await bob.Rest.ClaimRedPacketAsync(packet.Id)).Amount;

        clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal("open", (await alice.Rest.GetRedPacketAsync(packet.Id)).RedPacket.Status);
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        // The sweeper runs on its own after the clock moved: wait for its outcome, then check it whole.
        RedPacketDetails details;
        for (var polls = 0; (details = await alice.Rest.GetRedPacketAsync(packet.Id)).RedPacket.Status == "open" && polls < 200; polls++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal("refunded", details.RedPacket.Status);
        Assert.Equal(10_000 - claimed, (await alice.Rest.GetWalletAsync()).Cny);
        Assert.Equal("red_packet_expired", await CodeOf(() => carol.Rest.ClaimRedPacketAsync(packet.Id)));
        var refund = (await alice.Rest.GetWalletHistoryAsync()).Items[0];
        Assert.Equal(("red_packet_refund", 1_000 - claimed), (refund.Kind, refund.Amount));
        var aliceLive = await alice.ConnectAsync(since: 0);
        await aliceLive.WaitForAsync<RedPacketUpdated>(e => e.RedPacket.Id == packet.Id && e.RedPacket.Status == "refunded");
        await AssertLedgerCleanAsync(server);
    }

    [Fact]
    public async Task Send_RetriedWithTheSameKey_MovesMoneyOnce_ADifferentRequestConflicts()
    {
        await using var alice = await PayerAsync(Server, "alice", 5_000);
        await using var bob = await Server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice, [bob]);
        var key = NewKey();

        var first = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_000, 4, Pay, GroupId: group, Lucky: true), key);
        var retry = await alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_000, 4, Pay, GroupId: group, Lucky: true), key);

        Assert.Equal(first.Id, retry.Id);
        Assert.Equal(4_000, (await alice.Rest.GetWalletAsync()).Cny);
        Assert.Equal("idempotency_conflict", await CodeOf(() => alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(2_000, 4, Pay, GroupId: group, Lucky: true), key)));
        Assert.Equal(4_000, (await alice.Rest.GetWalletAsync()).Cny);
        await AssertLedgerCleanAsync(Server);
    }

    [Fact]
    public async Task Send_BadAmountsAndCounts_RefusedAndChangeNothing()
    {
        await using var alice = await PayerAsync(Server, "alice", 5_000);
        await using var bob = await Server.RegisterAsync("bob");
        var group = await GroupOfAsync(alice, [bob]);
        var before = await alice.Rest.GetWalletHistoryAsync();

        Task Send(long amount, int count, bool lucky = true, string? greeting = null, string pay = Pay) =>
            alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(amount, count, pay, GroupId: group, Lucky: lucky, Greeting: greeting), NewKey());
        Assert.Equal("invalid_amount", await CodeOf(() => Send(0, 1)));
        Assert.Equal("invalid_amount", await CodeOf(() => Send(-100, 1)));
        Assert.Equal("invalid_amount", await CodeOf(() => Send(long.MaxValue, 1)));
        Assert.Equal("invalid_amount", await CodeOf(() => Send(9, 10))); // fewer fen than shares
        Assert.Equal("invalid_amount", await CodeOf(() => Send(100, 3, lucky: false))); // a fixed packet splits evenly
        Assert.Equal("invalid_count", await CodeOf(() => Send(100, 0)));
        Assert.Equal("invalid_count", await CodeOf(() => Send(100_000, 2_001)));
        Assert.Equal("invalid_greeting", await CodeOf(() => Send(100, 1, greeting: new string('福', 51))));
        Assert.Equal("insufficient_funds", await CodeOf(() => Send(5_001, 1)));
        Assert.Equal("wrong_pay_password", await CodeOf(() => Send(100, 1, pay: "000000")));
        Assert.Equal("bad_request", await CodeOf(() => alice.Rest.SendRedPacketAsync(new CreateRedPacketRequest(100, 1, Pay, To: bob.Number, GroupId: group), NewKey())));

        // A number that does not fit 64 bits never reaches the service.
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", alice.Rest.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/wallet/redpackets")
        {
            Content = new StringContent($$"""{"amount":99999999999999999999,"count":1,"payPassword":"{{Pay}}","groupId":{{group}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", NewKey());
        using var overflow = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, overflow.StatusCode);

        Assert.Equal(5_000, (await alice.Rest.GetWalletAsync()).Cny);
        Assert.Equal(before.Items.Length, (await alice.Rest.GetWalletHistoryAsync()).Items.Length);
        await AssertLedgerCleanAsync(Server);
    }
}
