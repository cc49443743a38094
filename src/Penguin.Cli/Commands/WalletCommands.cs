using System.Globalization;
using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// The wallet (钱包): balance, history, top-up and withdrawal, transfers and red packets. Amounts are yuan ("12.34"), sent as fen. The payment
/// password is read from $PENGUIN_PAY_PASSWORD, else asked for without echo (on a terminal) or read as a line from
/// standard input, so scripts and tests need no terminal. Every command that moves money sends a fresh idempotency key
/// (--key to choose it: the same key again never moves money twice).
/// </summary>
public static class WalletCommands
{
    private const string Section = "Wallet / 钱包";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    private static readonly OptionSpec KeyOption = new("key", "KEY", "Idempotency key: retrying with the same key moves money once", "幂等键：用相同的键重试只会扣款一次");

    private static readonly OptionSpec CardOption = new("card", "CARD", "Your bank card number, 12-19 digits (or $PENGUIN_CARD)", "银行卡号，12-19 位数字（或 $PENGUIN_CARD）");

    private static readonly OptionSpec WaitOption = new("wait", "SECONDS", "How long to wait for the bank to confirm (default 30; 0: do not wait)",
        "等待银行确认的最长秒数（默认 30；0 表示不等待）");

    /// <summary>How often a waiting top-up or withdrawal asks the server for its status.</summary>
    private static readonly TimeSpan BankPoll = TimeSpan.FromMilliseconds(250);

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "wallet", "", "Your balance, Q-coins and today's limit", "查看余额、Q 币和今日限额", BalanceAsync),
        new(Section, "wallet history", "", "Every movement of your money, newest first", "资金流水（最新在前）", HistoryAsync,
            new OptionSpec("limit", "N", "How many (1-100, default 20)", "条数（1-100，默认 20）")),
        new(Section, "wallet topup", "<amount>", "Top up your wallet from your bank card (amount in yuan); waits for the bank", "从银行卡充值到钱包（金额单位：元），等待银行确认",
            TopUpAsync, CardOption, WaitOption, KeyOption),
        new(Section, "wallet withdraw", "<amount>", "Withdraw to your bank card (amount in yuan); waits for the bank", "提现到银行卡（金额单位：元），等待银行确认",
            WithdrawAsync, CardOption, WaitOption, KeyOption),
        new(Section, "wallet payments", "", "Your top-ups and withdrawals, newest first", "充值和提现记录（最新在前）", PaymentsAsync),
        new(Section, "wallet pay-password", "", "Set (or change) your 6-digit payment password", "设置（或修改）6 位支付密码", PayPasswordAsync,
            new OptionSpec("password", "PASSWORD", "Your login password (the first time)", "登录密码（首次设置时）")),
        new(Section, "wallet transfer", "<number> <amount> [note]", "Transfer money to a friend (amount in yuan, e.g. 12.34)", "向好友转账（金额单位：元，如 12.34）",
            TransferAsync, KeyOption),
        new(Section, "wallet accept", "<transfer>", "Accept a transfer sent to you", "收下别人给你的转账", AcceptAsync),
        new(Section, "wallet redpacket", "<number|g:group> <amount> <count> [greeting]",
            "Send a red packet of <amount> yuan in <count> shares to a friend or a group (--lucky: random shares)",
            "给好友或群发红包：共 <amount> 元，分 <count> 份（--lucky：拼手气）", RedPacketAsync,
            new OptionSpec("lucky", null, "Random shares (拼手气) instead of equal ones", "拼手气红包（随机金额），否则每份相等"), KeyOption),
        new(Section, "wallet claim", "<packet>", "Claim your share of a red packet", "领取红包", ClaimAsync),
        new(Section, "wallet packet", "<packet>", "A red packet and who claimed what", "查看红包详情及领取记录", PacketAsync),
    ];

    private static async Task<int> BalanceAsync(Invocation inv)
    {
        using var client = inv.Client();
        var balance = await client.GetWalletAsync(inv.Cancel);
        inv.Out.Result(balance, Json.WalletBalance, b =>
        {
            inv.Out.Field("Balance", "余额", $"¥{Money.Yuan(b.Cny)}");
            inv.Out.Field("Q-coins", "Q 币", b.QCoins.ToString(CultureInfo.InvariantCulture));
            inv.Out.Field("Today", "今日已用", $"¥{Money.Yuan(b.SpentToday)} / ¥{Money.Yuan(b.DailyLimit)}");
            if (!b.PayPasswordSet)
                inv.Out.Line("No payment password yet: set one with 'penguin wallet pay-password'.", "尚未设置支付密码：请用“penguin wallet pay-password”设置。");
        });
        return 0;
    }

    private static async Task<int> HistoryAsync(Invocation inv)
    {
        var limit = inv.LongOption("limit") ?? 20;
        if (limit is < 1 or > 100) throw inv.Usage("--limit must be 1 to 100.", "--limit 须为 1 到 100。");
        using var client = inv.Client();
        var page = await client.GetWalletHistoryAsync(limit: (int)limit, ct: inv.Cancel);
        inv.Out.Result(page, Json.WalletHistoryPage, p =>
        {
            foreach (var m in p.Items)
            {
                var amount = m.Currency == "cny" ? $"{(m.Amount > 0 ? "+" : "")}{Money.Yuan(m.Amount)}" : $"{(m.Amount > 0 ? "+" : "")}{m.Amount} Q";
                var after = m.Currency == "cny" ? Money.Yuan(m.BalanceAfter) : $"{m.BalanceAfter} Q";
                inv.Out.Line($"{Words.Time(m.At)}  {Kind(inv.Out, m.Kind),-10} {amount,12}  {inv.Out.T("balance", "余额")} {after}{(m.Reference is null ? "" : "  " + m.Reference)}");
            }
            if (p.Items.Length == 0) inv.Out.Line("No movements yet.", "暂无流水。");
        });
        return 0;
    }

    private static async Task<int> PayPasswordAsync(Invocation inv)
    {
        using var client = inv.Client();
        var isSet = (await client.GetWalletAsync(inv.Cancel)).PayPasswordSet;
        // The first time the login password proves it is you; after that the current payment password does.
        var request = isSet
            ? new SetPayPasswordRequest(NewPayPassword(inv), CurrentPayPassword: PayPassword(inv, inv.Out.T("Current payment password: ", "当前支付密码：")))
            : new SetPayPasswordRequest(NewPayPassword(inv), LoginPassword: inv.Password(confirm: false));
        await client.SetPayPasswordAsync(request, inv.Cancel);
        inv.Out.Done("Payment password set.", "支付密码已设置。");
        return 0;
    }

    private static Task<int> TopUpAsync(Invocation inv) => BankPaymentAsync(inv, withdraw: false);

    private static Task<int> WithdrawAsync(Invocation inv) => BankPaymentAsync(inv, withdraw: true);

    /// <summary>
    /// Asks for the payment, then follows it until the bank settles it (pending → succeeded or failed), at most --wait
    /// seconds; progress goes to standard error. Exit 1 when the bank declined; 0 when it succeeded or is still pending
    /// (it settles by itself: the server asks the bank).
    /// </summary>
    private static async Task<int> BankPaymentAsync(Invocation inv, bool withdraw)
    {
        var amount = Amount(inv, inv.Arg(0));
        var card = inv.Option("card") ?? inv.Host.GetEnv("PENGUIN_CARD");
        if (card is not { Length: >= 12 and <= 19 } || !card.All(char.IsAsciiDigit))
            throw inv.Usage("Give your bank card number, 12 to 19 digits, with --card (or $PENGUIN_CARD).", "请用 --card（或 $PENGUIN_CARD）给出银行卡号，12 到 19 位数字。");
        var wait = inv.LongOption("wait") ?? 30;
        if (wait is < 0 or > 3_600) throw inv.Usage("--wait must be 0 to 3600 seconds.", "--wait 须为 0 到 3600 秒。");
        var key = Key(inv);
        var pay = withdraw ? PayPassword(inv) : null;
        using var client = inv.Client();
        var payment = withdraw
            ? await client.WithdrawAsync(new WithdrawRequest(amount, card, pay!), key, inv.Cancel)
            : await client.TopUpAsync(new TopUpRequest(amount, card), key, inv.Cancel);
        if (payment.Status == "pending" && wait > 0)
        {
            if (!inv.Out.IsJson)
                inv.Host.Error.WriteLine(inv.Out.T($"Pending: waiting for the bank to confirm ¥{Money.Yuan(amount)} (payment {payment.Id})...",
                    $"处理中：等待银行确认 ¥{Money.Yuan(amount)}（支付 {payment.Id}）……"));
            for (var polls = wait * 1_000 / (long)BankPoll.TotalMilliseconds; payment.Status == "pending" && polls > 0; polls--)
            {
                await Task.Delay(BankPoll, inv.Cancel);
                payment = await client.GetBankPaymentAsync(payment.Id, inv.Cancel);
            }
        }
        inv.Out.Result(payment, Json.WalletBankPayment, p => inv.Out.Line(Describe(inv.Out, p)));
        return payment.Status == "failed" ? 1 : 0;
    }

    private static string Describe(Printer o, WalletBankPayment p)
    {
        var (yuan, card, topUp) = ($"¥{Money.Yuan(p.Amount)}", p.CardLast4, p.Kind == "topup");
        return (p.Status, topUp) switch
        {
            ("succeeded", true) => o.T($"Topped up {yuan} from card ****{card}.", $"已从尾号 {card} 的银行卡充值 {yuan}。"),
            ("succeeded", false) => o.T($"Withdrew {yuan} to card ****{card}.", $"已提现 {yuan} 到尾号 {card} 的银行卡。"),
            ("failed", true) => o.T($"The bank declined the top-up of {yuan} ({p.Failure}); nothing was charged.", $"银行拒绝了 {yuan} 的充值（{p.Failure}），未扣款。"),
            ("failed", false) => o.T($"The bank declined the withdrawal of {yuan} ({p.Failure}); the money is back in your wallet.",
                $"银行拒绝了 {yuan} 的提现（{p.Failure}），款项已退回钱包。"),
            _ => o.T($"Still pending at the bank ({p.Id}, {yuan}); it settles by itself, see 'penguin wallet payments'.",
                $"银行仍在处理（{p.Id}，{yuan}），完成后自动入账；可用“penguin wallet payments”查看。"),
        };
    }

    private static async Task<int> PaymentsAsync(Invocation inv)
    {
        using var client = inv.Client();
        var list = await client.GetBankPaymentsAsync(inv.Cancel);
        inv.Out.Result(list, Json.WalletBankPaymentList, l =>
        {
            foreach (var p in l.Payments)
                inv.Out.Line($"{Words.Time(p.CreatedAt)}  {Kind(inv.Out, p.Kind == "topup" ? "topup" : "withdraw"),-10} {Money.Yuan(p.Amount),12}  ****{p.CardLast4}  {PaymentStatus(inv.Out, p.Status)}  {p.Id}");
            if (l.Payments.Length == 0) inv.Out.Line("No top-ups or withdrawals yet.", "暂无充值或提现记录。");
        });
        return 0;
    }

    private static string PaymentStatus(Printer p, string status) => status switch
    {
        "pending" => p.T("pending", "处理中"),
        "succeeded" => p.T("succeeded", "成功"),
        "failed" => p.T("failed", "失败"),
        _ => status,
    };

    private static async Task<int> TransferAsync(Invocation inv)
    {
        var to = inv.Number(0);
        var amount = Amount(inv, inv.Arg(1));
        var note = inv.Args.Count > 2 ? inv.Arg(2) : null;
        var pay = PayPassword(inv);
        using var client = inv.Client();
        var transfer = await client.TransferMoneyAsync(new CreateTransferRequest(to, amount, pay, note), Key(inv), inv.Cancel);
        inv.Out.Result(transfer, Json.WalletTransfer, t =>
            inv.Out.Line($"Sent ¥{Money.Yuan(t.Amount)} to {t.To}; it waits for them to accept (transfer {t.Id}, returns by itself {Words.Time(t.ExpiresAt)}).",
                $"已向 {t.To} 转账 ¥{Money.Yuan(t.Amount)}，等待对方收款（转账 {t.Id}，{Words.Time(t.ExpiresAt)} 前未收款将自动退回）。"));
        return 0;
    }

    private static async Task<int> AcceptAsync(Invocation inv)
    {
        using var client = inv.Client();
        var transfer = await client.AcceptTransferAsync(inv.Arg(0), inv.Cancel);
        inv.Out.Result(transfer, Json.WalletTransfer, t =>
            inv.Out.Line($"Accepted ¥{Money.Yuan(t.Amount)} from {t.From}.", $"已收下 {t.From} 的转账 ¥{Money.Yuan(t.Amount)}。"));
        return 0;
    }

    private static async Task<int> RedPacketAsync(Invocation inv)
    {
        var (peer, group) = FileCommands.ParseTarget(inv, inv.Arg(0));
        var amount = Amount(inv, inv.Arg(1));
        if (!int.TryParse(inv.Arg(2), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
            throw inv.Usage($"<count> must be a whole number of shares (1 or more), not '{inv.Arg(2)}'.", $"<count> 须为红包个数（至少 1），而不是“{inv.Arg(2)}”。");
        var lucky = inv.Flag("lucky");
        if (amount < count)
            throw inv.Usage($"¥{Money.Yuan(amount)} cannot fill {count} shares of at least ¥0.01.", $"¥{Money.Yuan(amount)} 不够分成 {count} 个至少 ¥0.01 的红包。");
        if (!lucky && amount % count != 0)
            throw inv.Usage($"¥{Money.Yuan(amount)} does not split into {count} equal shares; change the amount or use --lucky.",
                $"¥{Money.Yuan(amount)} 不能平分为 {count} 份；请调整金额或使用 --lucky（拼手气）。");
        var greeting = inv.Args.Count > 3 ? inv.Arg(3) : null;
        var pay = PayPassword(inv);
        using var client = inv.Client();
        var packet = await client.SendRedPacketAsync(new CreateRedPacketRequest(amount, count, pay, peer, group, lucky, greeting), Key(inv), inv.Cancel);
        inv.Out.Result(packet, Json.RedPacket, p =>
        {
            var where = p.GroupId is { } g ? $"g:{g}" : p.To!.Value.ToString(CultureInfo.InvariantCulture);
            inv.Out.Line($"Red packet {p.Id} sent to {where}: ¥{Money.Yuan(p.Amount)} in {p.Count} {(p.Lucky ? "lucky" : "equal")} shares, \"{p.Greeting}\".",
                $"红包 {p.Id} 已发到 {where}：共 ¥{Money.Yuan(p.Amount)}，{p.Count} 个（{(p.Lucky ? "拼手气" : "普通")}），“{p.Greeting}”。");
        });
        return 0;
    }

    private static async Task<int> ClaimAsync(Invocation inv)
    {
        using var client = inv.Client();
        var claim = await client.ClaimRedPacketAsync(inv.Arg(0), inv.Cancel);
        inv.Out.Result(claim, Json.RedPacketClaimResult, c =>
        {
            if (c.Replayed) inv.Out.Line($"You already claimed ¥{Money.Yuan(c.Amount)} from this red packet.", $"你已领取过这个红包：¥{Money.Yuan(c.Amount)}。");
            else inv.Out.Line($"You got ¥{Money.Yuan(c.Amount)} from {c.RedPacket.From}'s red packet \"{c.RedPacket.Greeting}\".",
                $"你抢到了 {c.RedPacket.From} 的红包“{c.RedPacket.Greeting}”：¥{Money.Yuan(c.Amount)}。");
            inv.Out.Line($"{c.RedPacket.ClaimedCount}/{c.RedPacket.Count} claimed.", $"已领取 {c.RedPacket.ClaimedCount}/{c.RedPacket.Count} 个。");
        });
        return 0;
    }

    private static async Task<int> PacketAsync(Invocation inv)
    {
        using var client = inv.Client();
        var details = await client.GetRedPacketAsync(inv.Arg(0), inv.Cancel);
        inv.Out.Result(details, Json.RedPacketDetails, d =>
        {
            var p = d.RedPacket;
            inv.Out.Field("Red packet", "红包", $"{p.Id} \"{p.Greeting}\"");
            inv.Out.Field("From", "发送者", p.From.ToString(CultureInfo.InvariantCulture));
            inv.Out.Field("Amount", "金额", $"¥{Money.Yuan(p.Amount)} / {p.Count} ({(p.Lucky ? inv.Out.T("lucky", "拼手气") : inv.Out.T("equal", "普通"))})");
            inv.Out.Field("Status", "状态", Status(inv.Out, p.Status));
            inv.Out.Field("Claimed", "已领取", $"{p.ClaimedCount}/{p.Count}, ¥{Money.Yuan(p.ClaimedAmount)}");
            foreach (var c in d.Claims) inv.Out.Line($"  {c.UserId,-10} ¥{Money.Yuan(c.Amount),-10} {Words.Time(c.At)}");
        });
        return 0;
    }

    private static long Amount(Invocation inv, string text) =>
        Money.ParseYuan(text) ?? throw inv.Usage($"The amount must be yuan greater than zero with at most two decimals, like 12.34, not '{text}'.",
            $"金额须为大于零、最多两位小数的元数，如 12.34，而不是“{text}”。");

    private static string Key(Invocation inv)
    {
        if (inv.Option("key") is not { } key) return Guid.NewGuid().ToString("N");
        if (key.Length is < 1 or > 64 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw inv.Usage("--key must be 1 to 64 letters, digits, '-' or '_'.", "--key 须为 1 到 64 个字母、数字、“-”或“_”。");
        return key;
    }

    /// <summary>$PENGUIN_PAY_PASSWORD, else asked for: without echo on a terminal, a line of standard input otherwise.</summary>
    private static string PayPassword(Invocation inv, string? prompt = null)
    {
        if (inv.Host.GetEnv("PENGUIN_PAY_PASSWORD") is { Length: > 0 } env) return env;
        var pay = inv.Host.ReadSecret(prompt ?? inv.Out.T("Payment password: ", "支付密码："));
        if (string.IsNullOrEmpty(pay))
            throw inv.Usage("No payment password given: set PENGUIN_PAY_PASSWORD, or type it when asked (or pipe it on standard input).",
                "没有提供支付密码：请设置 PENGUIN_PAY_PASSWORD，或在提示时输入（也可从标准输入传入）。");
        return pay;
    }

    /// <summary>The new payment password: $PENGUIN_NEW_PAY_PASSWORD, else asked for twice on a terminal (once from piped input).</summary>
    private static string NewPayPassword(Invocation inv)
    {
        if (inv.Host.GetEnv("PENGUIN_NEW_PAY_PASSWORD") is { Length: > 0 } env) return env;
        var pay = inv.Host.ReadSecret(inv.Out.T("New payment password (6 digits): ", "新支付密码（6 位数字）："));
        if (string.IsNullOrEmpty(pay))
            throw inv.Usage("No new payment password given: set PENGUIN_NEW_PAY_PASSWORD, or type it when asked.", "没有提供新支付密码：请设置 PENGUIN_NEW_PAY_PASSWORD，或在提示时输入。");
        if (inv.Host.InputIsTerminal && inv.Host.ReadSecret(inv.Out.T("Again: ", "再输一次：")) != pay)
            throw inv.Usage("The payment passwords differ.", "两次输入的支付密码不一致。");
        return pay;
    }

    private static string Kind(Printer p, string kind) => kind switch
    {
        "transfer" => p.T("transfer", "转账"),
        "transfer_accept" => p.T("received", "收款"),
        "transfer_return" => p.T("returned", "退回"),
        "red_packet" => p.T("red packet", "发红包"),
        "red_packet_claim" => p.T("got packet", "抢红包"),
        "red_packet_refund" => p.T("refund", "红包退款"),
        "buy_qcoins" => p.T("Q-coins", "购买Q币"),
        "deposit" => p.T("deposit", "存入"),
        "topup" => p.T("top-up", "充值"),
        "withdraw" => p.T("withdrawal", "提现"),
        "withdraw_return" => p.T("withdrawal returned", "提现退回"),
        _ => kind,
    };

    private static string Status(Printer p, string status) => status switch
    {
        "open" => p.T("open", "进行中"),
        "finished" => p.T("all claimed", "已抢完"),
        "refunded" => p.T("expired, rest refunded", "已过期，余额已退回"),
        _ => status,
    };
}
