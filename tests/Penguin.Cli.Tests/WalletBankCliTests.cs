using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Tests;

/// <summary>penguin wallet topup / withdraw / payments against the real server and penguin-bank in its own process.</summary>
public sealed class WalletBankCliTests(BankFixture fixture) : IClassFixture<BankFixture>
{
    private const string Pay = "864213";
    private const string Card = "6222020000001111";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private async Task<CliUser> UserAsync(string name)
    {
        var user = await CliUser.CreateAsync(fixture.Server.Url, name);
        user.Env["PENGUIN_NEW_PAY_PASSWORD"] = Pay;
        await user.RunOkAsync("wallet", "pay-password", "--password", CliUser.Password);
        user.Env.Remove("PENGUIN_NEW_PAY_PASSWORD");
        user.Env["PENGUIN_PAY_PASSWORD"] = Pay;
        return user;
    }

    private static async Task<long> CnyAsync(CliUser user) => JsonSerializer.Deserialize(await user.RunOkAsync("wallet", "--json"), Json.WalletBalance)!.Cny;

    [Fact]
    public async Task TopUpAndWithdraw_SettledByTheBank_BalanceAndHistoryInBothLanguages()
    {
        using var alice = await UserAsync("Alice");

        Assert.Contains("Topped up ¥12.34 from card ****1111.", await alice.RunOkAsync("wallet", "topup", "12.34", "--card", Card), StringComparison.Ordinal);
        alice.Env["PENGUIN_CARD"] = Card;
        Assert.Contains("已提现 ¥2.34 到尾号 1111 的银行卡。", await alice.RunOkAsync("wallet", "withdraw", "2.34", "--lang", "zh"), StringComparison.Ordinal);

        Assert.Equal(1_000, await CnyAsync(alice));
        var history = await alice.RunOkAsync("wallet", "history", "--lang", "zh");
        Assert.Contains("充值", history, StringComparison.Ordinal);
        Assert.Contains("提现", history, StringComparison.Ordinal);
        var payments = JsonSerializer.Deserialize(await alice.RunOkAsync("wallet", "payments", "--json"), Json.WalletBankPaymentList)!.Payments;
        Assert.Equal([("withdrawal", 234L, "succeeded"), ("topup", 1_234L, "succeeded")], payments.Select(p => (p.Kind, p.Amount, p.Status)));
        Assert.Contains("****1111", await alice.RunOkAsync("wallet", "payments"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopUp_TheBankAnswersLate_ShowsPendingThenSettled_TheSameKeyChargesOnce()
    {
        using var alice = await UserAsync("Alice");

        // Card ...0119: the bank records the charge but never answers the call; its callback settles it.
        var late = await alice.RunAsync("wallet", "topup", "5", "--card", "6222020000000119", "--key", "late-1");

        Assert.True(late.Exit == 0, late.Err);
        Assert.Contains("Pending: waiting for the bank", late.Err, StringComparison.Ordinal);
        Assert.Contains("Topped up ¥5.00 from card ****0119.", late.Out, StringComparison.Ordinal);
        var again = JsonSerializer.Deserialize(await alice.RunOkAsync("wallet", "topup", "5", "--card", "6222020000000119", "--key", "late-1", "--json"), Json.WalletBankPayment)!;
        Assert.Equal("succeeded", again.Status);
        Assert.Equal(500, await CnyAsync(alice));
        Assert.Single(JsonSerializer.Deserialize(await alice.RunOkAsync("wallet", "payments", "--json"), Json.WalletBankPaymentList)!.Payments);
    }

    [Fact]
    public async Task Declines_BadAmountsAndCards_ClearErrors_NothingMoves()
    {
        using var alice = await UserAsync("Alice");
        await alice.RunOkAsync("wallet", "topup", "10", "--card", Card);

        // Card ...0002: the bank declines.
        var declined = await alice.RunAsync("wallet", "topup", "3", "--card", "6222020000000002", "--lang", "zh");
        Assert.Equal(1, declined.Exit);
        Assert.Contains("银行拒绝了 ¥3.00 的充值", declined.Out, StringComparison.Ordinal);
        var refused = await alice.RunAsync("wallet", "withdraw", "4", "--card", "6222020000000002");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("The bank declined the withdrawal of ¥4.00", refused.Out, StringComparison.Ordinal);
        Assert.Contains("the money is back in your wallet", refused.Out, StringComparison.Ordinal);

        foreach (var args in new string[][] { ["topup", "0", "--card", Card], ["topup", "-1", "--card", Card], ["topup", "1.234", "--card", Card], ["topup", "abc", "--card", Card],
                     ["topup", "1"], ["topup", "1", "--card", "1234"], ["withdraw", "1", "--card", "62220200000011x1"], ["topup", "1", "--card", Card, "--wait", "-1"] })
        {
            var bad = await alice.RunAsync(["wallet", .. args]);
            Assert.True(bad.Exit == 2, $"{string.Join(' ', args)}: {bad.Err}");
            Assert.StartsWith("error: ", bad.Err, StringComparison.Ordinal);
        }
        var tooMuch = await alice.RunAsync("wallet", "withdraw", "11", "--card", Card, "--lang", "zh");
        Assert.Equal(1, tooMuch.Exit);
        Assert.Contains("不足以支付 1100", tooMuch.Err, StringComparison.Ordinal);
        alice.Env["PENGUIN_PAY_PASSWORD"] = "000000";
        var wrong = await alice.RunAsync("wallet", "withdraw", "1", "--card", Card);
        Assert.Equal(1, wrong.Exit);
        Assert.Contains("payment password is wrong", wrong.Err, StringComparison.Ordinal);

        Assert.Equal(1_000, await CnyAsync(alice));
    }
}
