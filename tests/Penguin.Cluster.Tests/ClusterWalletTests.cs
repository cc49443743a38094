using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Client;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>
/// The wallet on three nodes at once over one PostgreSQL database: concurrent transfers among a few accounts and
/// concurrent red-packet claims, each command through any node, retried keys through another. Balances stay exact,
/// none goes below zero, the journal balances and a retried key never moves money twice.
/// </summary>
public sealed class ClusterWalletTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Pay = "864213";

    /// <summary>A user with a payment password and <paramref name="fen"/> deposited, and one device on each node.</summary>
    private async Task<(ClusterUser User, Device[] Devices)> PayerAsync(string nickname, long fen)
    {
        var user = await cluster.RegisterAsync(nickname);
        var devices = new Device[ClusterFixture.NodeCount];
        for (var node = 0; node < devices.Length; node++) devices[node] = await user.LoginAsync(node);
        await devices[0].Rest.SetPayPasswordAsync(new SetPayPasswordRequest(Pay, LoginPassword: ClusterUser.Password));
        if (fen > 0) Assert.True((await Wallet(1).DepositAsync(user.Number, fen, $"cluster-{user.Number}")).IsOk);
        return (user, devices);
    }

    private WalletService Wallet(int node) => cluster.NodeServices(node).GetRequiredService<WalletService>();

    private static async Task<string?> CodeOf(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (PenguinException e)
        {
            return e.Error.Code;
        }
    }

    [ClusterFact]
    public async Task Transfers_1000ConcurrentAmongThreeAccountsThroughThreeNodes_BalancesExact_RetriedKeysMoveOnce()
    {
        const long Funds = 30_000;
        var payers = new[] { await PayerAsync("alice", Funds), await PayerAsync("bob", Funds), await PayerAsync("carol", Funds) };
        await payers[0].User.BefriendAsync(payers[1].User);
        await payers[1].User.BefriendAsync(payers[2].User, myNode: 1, otherNode: 2);
        await payers[2].User.BefriendAsync(payers[0].User, myNode: 2, otherNode: 0);

        // Acknowledged movements: what each sender paid and each receiver took. Amounts are large enough that some
        // transfers find too little money; those must move nothing.
        var sent = new ConcurrentDictionary<string, WalletTransfer>();
        var refused = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, token) =>
        {
            var (from, to) = (i % 3, (i + 1 + i / 3 % 2) % 3);
            var request = new CreateTransferRequest(payers[to].User.Number, 50 + (i * 37 % 200), Pay, "午饭");
            var key = $"t-{i}";
            try
            {
                var transfer = await payers[from].Devices[i % 3].Rest.TransferMoneyAsync(request, key, token);
                // Every fifth one is retried through another node while its receiver accepts through a third.
                if (i % 5 == 0)
                {
                    var retried = payers[from].Devices[(i + 1) % 3].Rest.TransferMoneyAsync(request, key, token);
                    var accepted = payers[to].Devices[(i + 2) % 3].Rest.AcceptTransferAsync(transfer.Id, token);
                    Assert.Equal(transfer.Id, (await retried).Id);
                    Assert.Equal("accepted", (await accepted).Status);
                }
                else
                {
                    Assert.Equal("accepted", (await payers[to].Devices[(i + 2) % 3].Rest.AcceptTransferAsync(transfer.Id, token)).Status);
                }
                sent[key] = transfer;
            }
            catch (PenguinException e) when (e.Error.Code == "insufficient_funds")
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.True(sent.Count >= 500, $"only {sent.Count} transfers went through");
        for (var p = 0; p < payers.Length; p++)
        {
            var number = payers[p].User.Number;
            var expected = Funds - sent.Values.Where(t => t.From == number).Sum(t => t.Amount) + sent.Values.Where(t => t.To == number).Sum(t => t.Amount);
            var balance = await payers[p].Devices[p].Rest.GetWalletAsync();
            Assert.Equal(expected, balance.Cny);
            Assert.True(balance.Cny >= 0);
        }
        Assert.Equal(1_000, sent.Count + refused);
        // A retried key after the fact, through yet another node: the same transfer, no money moved.
        var again = await payers[0].Devices[2].Rest.TransferMoneyAsync(new CreateTransferRequest(payers[1].User.Number, 50, Pay, "午饭"), "t-0");
        Assert.Equal(sent["t-0"].Id, again.Id);
        Assert.Equal(3 * Funds, (await Task.WhenAll(payers.Select(p => p.Devices[0].Rest.GetWalletAsync()))).Sum(b => b.Cny));
        var audit = await Wallet(2).AuditAsync();
        Assert.True(audit.IsClean, string.Join(", ", [.. audit.UnbalancedTransactions.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. audit.MismatchedAccounts, .. audit.NegativeAccounts]));
        foreach (var payer in payers) await payer.User.DisposeAsync();
    }

    [ClusterFact]
    public async Task RedPacket_30MembersRaceFor8SharesThroughThreeNodes_EightClaimsOnce_ExactAmounts()
    {
        var (alice, aliceDevices) = await PayerAsync("alice", 10_000);
        var group = (await aliceDevices[0].Rest.CreateGroupAsync(new CreateGroupRequest("跨节点红包群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        var members = new List<(ClusterUser User, Device[] Devices)>();
        for (var i = 0; i < 30; i++)
        {
            var member = await PayerAsync($"m{i}", 0);
            await member.Devices[i % 3].Rest.JoinGroupAsync(group);
            members.Add(member);
        }
        var packet = await aliceDevices[1].Rest.SendRedPacketAsync(new CreateRedPacketRequest(1_000, 8, Pay, GroupId: group, Lucky: true), "p-1");

        // Each member claims through two nodes at once: one share each at most, eight in all.
        var got = new ConcurrentDictionary<long, long>();
        var empty = 0;
        await Task.WhenAll(members.SelectMany((m, i) => new[] { i % 3, (i + 1) % 3 }.Select(async node =>
        {
            if (await CodeOf(async () =>
                {
                    var claim = await m.Devices[node].Rest.ClaimRedPacketAsync(packet.Id);
                    Assert.Equal(claim.Amount, got.GetOrAdd(m.User.Number, claim.Amount));
                }) is { } code)
            {
                Assert.Equal("red_packet_empty", code);
                Interlocked.Increment(ref empty);
            }
        })));

        Assert.Equal(8, got.Count);
        Assert.Equal(1_000, got.Values.Sum());
        var details = await aliceDevices[2].Rest.GetRedPacketAsync(packet.Id);
        Assert.Equal(got.OrderBy(g => g.Key), details.Claims.Select(c => KeyValuePair.Create(c.UserId, c.Amount)).OrderBy(g => g.Key));
        Assert.Equal(("finished", 8, 1_000L), (details.RedPacket.Status, details.RedPacket.ClaimedCount, details.RedPacket.ClaimedAmount));
        foreach (var m in members)
            Assert.Equal(got.GetValueOrDefault(m.User.Number), (await m.Devices[2].Rest.GetWalletAsync()).Cny);
        Assert.Equal(9_000, (await aliceDevices[0].Rest.GetWalletAsync()).Cny);
        Assert.True((await Wallet(0).AuditAsync()).IsClean);
        await alice.DisposeAsync();
        foreach (var m in members) await m.User.DisposeAsync();
    }
}
