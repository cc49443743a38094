using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Penguin.Cli.Output;
using Penguin.Core.Wallet;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>penguin wallet: balance, pay-password, transfer, accept, redpacket, claim, packet, history, against the real server.</summary>
public sealed class WalletCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Pay = "864213";

    private string Server => fixture.Server.Url;

    private static readonly PenguinJson Json = PenguinJson.Wire;

    /// <summary>A CLI user with a payment password (set through the CLI) and <paramref name="fen"/> deposited.</summary>
    private async Task<CliUser> PayerAsync(string name, long fen)
    {
        var user = await CliUser.CreateAsync(Server, name);
        user.Env["PENGUIN_NEW_PAY_PASSWORD"] = Pay;
        Assert.Contains("Payment password set", await user.RunOkAsync("wallet", "pay-password", "--password", CliUser.Password), StringComparison.Ordinal);
        user.Env.Remove("PENGUIN_NEW_PAY_PASSWORD");
        if (fen > 0) Assert.True((await fixture.Server.Services.GetRequiredService<WalletService>().DepositAsync(user.Number, fen, Guid.NewGuid().ToString("N"))).IsOk);
        return user;
    }

    private static async Task<long> CnyAsync(CliUser user) => JsonSerializer.Deserialize(await user.RunOkAsync("wallet", "--json"), Json.WalletBalance)!.Cny;

    [Theory]
    [InlineData("12.34", 1234L)]
    [InlineData("12", 1200L)]
    [InlineData("0.5", 50L)]
    [InlineData(".05", 5L)]
    [InlineData("¥8.88", 888L)]
    [InlineData("100元", 10000L)]
    [InlineData("0", null)]
    [InlineData("0.00", null)]
    [InlineData("-1", null)]
    [InlineData("12.345", null)]
    [InlineData("12.", null)]
    [InlineData("1e5", null)]
    [InlineData("1,000", null)]
    [InlineData("99999999999999999999", null)]
    [InlineData("", null)]
    public void ParseYuan_ExactToTheFen_RefusesAnythingElse(string text, long? fen) => Assert.Equal(fen, Money.ParseYuan(text));

    [Fact]
    public async Task TransferAndAccept_InYuan_BalancesInBothLanguages()
    {
        using var alice = await PayerAsync("Alice", 10_000);
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);

        var before = await bob.RunOkAsync("wallet");
        Assert.Contains("Balance: ¥0.00", before, StringComparison.Ordinal);
        Assert.Contains("No payment password yet", before, StringComparison.Ordinal);
        alice.Env["PENGUIN_PAY_PASSWORD"] = Pay;
        var sent = JsonSerializer.Deserialize(await alice.RunOkAsync("wallet", "transfer", bob.N, "12.34", "午饭", "--json"), Json.WalletTransfer)!;
        Assert.Equal((1_234L, "午饭", "pending"), (sent.Amount, sent.Memo, sent.Status));

        Assert.Contains("Accepted ¥12.34", await bob.RunOkAsync("wallet", "accept", sent.Id), StringComparison.Ordinal);
        Assert.Contains("余额：¥12.34", await bob.RunOkAsync("wallet", "--lang", "zh"), StringComparison.Ordinal);
        Assert.Equal(8_766, await CnyAsync(alice));
        var history = await bob.RunOkAsync("wallet", "history", "--lang", "zh");
        Assert.Contains("收款", history, StringComparison.Ordinal);
        Assert.Contains("+12.34", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedPacket_InAGroup_PayPasswordFromStandardInput_ClaimedAndShown()
    {
        using var alice = await PayerAsync("Alice", 5_000);
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        using var carol = await CliUser.CreateAsync(Server, "Carol");
        var group = JsonSerializer.Deserialize(await alice.RunOkAsync("group", "create", "红包群", "--policy", "open", "--json"), Json.GroupSummary)!.Group.Id;
        var g = "g:" + group.ToString(CultureInfo.InvariantCulture);
        await bob.RunOkAsync("group", "join", group.ToString(CultureInfo.InvariantCulture));

        // No terminal and no environment variable: the payment password is the first line of standard input.
        var sent = await alice.RunAsync(["wallet", "redpacket", g, "10", "3", "--lucky", "新年快乐", "--json"], input: Pay + "\n");
        Assert.Equal(0, sent.Exit);
        var packet = JsonSerializer.Deserialize(sent.Out, Json.RedPacket)!;
        Assert.Equal((1_000L, 3, true, "新年快乐", group), (packet.Amount, packet.Count, packet.Lucky, packet.Greeting, packet.GroupId!.Value));

        var claimed = await bob.RunOkAsync("wallet", "claim", packet.Id, "--lang", "zh");
        Assert.Contains("你抢到了", claimed, StringComparison.Ordinal);
        Assert.Contains("已领取 1/3", claimed, StringComparison.Ordinal);
        Assert.Contains("already claimed", await bob.RunOkAsync("wallet", "claim", packet.Id), StringComparison.Ordinal);
        var got = await CnyAsync(bob);
        Assert.InRange(got, 1, 998);

        var details = await alice.RunOkAsync("wallet", "packet", packet.Id);
        Assert.Contains(bob.N, details, StringComparison.Ordinal);
        Assert.Contains($"¥{Money.Yuan(got)}", details, StringComparison.Ordinal);
        // Carol is not in the group: she can neither claim nor see it.
        var refused = await carol.RunAsync("wallet", "claim", packet.Id);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("Not found", refused.Err, StringComparison.Ordinal);
        Assert.Equal(1, (await carol.RunAsync("wallet", "packet", packet.Id)).Exit);
        Assert.Equal(4_000, await CnyAsync(alice));
    }

    [Fact]
    public async Task RedPacket_BadAmountsOrCounts_UsageErrors_NothingMoves()
    {
        using var alice = await PayerAsync("Alice", 5_000);
        using var bob = await CliUser.CreateAsync(Server, "Bob");
        await CliUser.BefriendAsync(alice, bob);
        alice.Env["PENGUIN_PAY_PASSWORD"] = Pay;

        foreach (var (amount, count) in new[] { ("0", "1"), ("-1", "1"), ("12.345", "1"), ("abc", "1"), ("0.09", "10"), ("1", "0"), ("1", "x") })
        {
            var result = await alice.RunAsync("wallet", "redpacket", bob.N, amount, count);
            Assert.True(result.Exit == 2, $"{amount} {count}: {result.Err}");
            Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
        }
        var uneven = await alice.RunAsync("wallet", "redpacket", bob.N, "1", "3", "--lang", "zh");
        Assert.Equal(2, uneven.Exit);
        Assert.Contains("不能平分", uneven.Err, StringComparison.Ordinal);
        var wrong = await alice.RunAsync(["wallet", "redpacket", bob.N, "1", "1"], input: null);
        alice.Env["PENGUIN_PAY_PASSWORD"] = "000000";
        Assert.Equal(0, wrong.Exit); // the right password from the environment: sent
        var refused = await alice.RunAsync("wallet", "redpacket", bob.N, "1", "1");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("payment password is wrong", refused.Err, StringComparison.Ordinal);
        Assert.Equal(4_900, await CnyAsync(alice));
    }
}
