using System.Globalization;
using System.Security.Cryptography;
using Penguin.Core.Accounts;
using Penguin.Core.Wallet;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Admin;

/// <summary>
/// penguin-server admin: what an operator does to accounts, against the storage the node is configured with
/// (the same appsettings.json, environment and --Penguin:… settings). Safe while the node runs: it writes only
/// accounts and sessions. docs/operations.md, "Administering accounts".
/// </summary>
public static class AdminCommand
{
    public const string Usage = """
        usage: penguin-server admin [--Penguin:Setting=value ...] <command>

          user <number>                      show an account: nickname, created, disabled, deleted, sessions
          reset-password <number> [--password-stdin]
                                             set a new password (generated and printed, or one line read from
                                             standard input); every session of the account ends
          disable <number>                   no more logins; every session of the account ends
          enable <number>                    allow logins again
          sessions <number>                  list the account's device sessions
          revoke-session <number> <id>       end one session
          revoke-sessions <number>           end every session
          wallet-reconcile                   prove the wallet ledger: every journal transaction balances, every
                                             balance equals its postings, none below zero; with a bank gateway
                                             (Penguin:Bank:Url), settle pending top-ups and withdrawals by asking
                                             the bank and match every succeeded bank payment with exactly one
                                             journal transaction and back; exit 1 if not

        管理命令：查看账号、重置密码、停用/启用账号、查看和注销会话。
        """;

    /// <summary>EX_NOINPUT: the embedded database the settings point at does not exist.</summary>
    public const int NoDatabase = 66;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var settings = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal)).ToArray();
        var words = args.Except(settings).ToList();
        var passwordFromStdin = words.Remove("--password-stdin");
        if (words.Count == 0 || words[0] is "help" or "--help" or "-h")
        {
            await output.WriteAsync(Usage);
            return words.Count == 0 ? 64 : 0;
        }

        var builder = Host.CreateApplicationBuilder(settings);
        builder.AddSettingsBesideExecutable();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        try
        {
            var options = builder.BindServerOptions(null);
            // Run from another directory, or with a mistyped Penguin:DataDirectory, the command would create an empty
            // database there and report every account missing.
            if (options.Storage == StorageEngine.Sqlite && !File.Exists(StorageRegistration.DatabasePath(options)))
            {
                var path = Path.GetFullPath(StorageRegistration.DatabasePath(options));
                await error.WriteLineAsync($"penguin-server admin: no database at {path} / 该位置没有数据库. Give the node's Penguin:DataDirectory (e.g. --Penguin:DataDirectory=/var/lib/penguin).");
                return NoDatabase;
            }
            builder.Services.AddPenguin(options);
            using var host = builder.Build();
            var accounts = host.Services.GetRequiredService<AccountService>();
            var command = new Commands(accounts, host.Services.GetRequiredService<WalletService>(), host.Services.GetRequiredService<Penguin.Core.Wallet.Bank.WalletBankService>(),
                host.Services.GetRequiredService<Penguin.Core.Wallet.Bank.BankOptions>(), host.Services.GetRequiredService<SessionCheckSignal>(), output, error, input ?? Console.In);
            return await command.RunAsync(words, passwordFromStdin);
        }
        catch (Exception e) when (StartupFailure.Describe(e) is { } failure)
        {
            foreach (var line in failure.Lines) await error.WriteLineAsync($"penguin-server: {line}");
            return failure.ExitCode;
        }
    }

    private sealed class Commands(AccountService accounts, WalletService wallet, Penguin.Core.Wallet.Bank.WalletBankService bank,
        Penguin.Core.Wallet.Bank.BankOptions bankOptions, SessionCheckSignal signal, TextWriter output, TextWriter error, TextReader input)
    {
        private static readonly HashSet<string> Known = ["user", "reset-password", "disable", "enable", "sessions", "revoke-session", "revoke-sessions", "wallet-reconcile"];

        public async Task<int> RunAsync(List<string> words, bool passwordFromStdin)
        {
            var command = words[0];
            if (!Known.Contains(command))
            {
                await error.WriteLineAsync(Usage);
                return await FailAsync(64, $"Unknown admin command '{command}'.", $"未知的管理命令“{command}”。");
            }
            if (command == "wallet-reconcile") return await ReconcileAsync();
            if (words.Count < 2 || !long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return await FailAsync(64, $"'{command}' needs an account number, e.g. penguin-server admin {command} 10001.", "需要账号，例如 10001。");
            var status = await accounts.GetStatusAsync(number);
            if (status is null) return await FailAsync(1, $"Account {number} does not exist.", $"账号 {number} 不存在。");
            if (status.DeletedAt is not null && command != "user")
                return await FailAsync(1, $"Account {number} was deleted by its owner on {status.DeletedAt:yyyy-MM-dd}.", $"账号 {number} 已被注销。");

            switch (command)
            {
                case "user":
                    var sessionCount = (await accounts.ListSessionsAsync(number)).Count;
                    var state = status.DeletedAt is { } deleted ? $"deleted {deleted:yyyy-MM-dd HH:mm}Z" : status.Disabled ? "disabled" : "active";
                    await output.WriteLineAsync(FormattableString.Invariant(
                        $"{status.Number}\t{status.Nickname}\tcreated {status.CreatedAt:yyyy-MM-dd HH:mm}Z\t{state}\t{sessionCount} session(s)"));
                    return 0;
                case "reset-password":
                    var generated = !passwordFromStdin;
                    var password = generated ? NewPassword() : (await input.ReadLineAsync())?.TrimEnd('\r');
                    var reset = await accounts.ResetPasswordAsync(number, password);
                    if (!reset.IsOk) return await FailAsync(1, reset.Error.Message, reset.Error.MessageZh);
                    if (generated) await output.WriteLineAsync(password);
                    await SignalAsync();
                    await error.WriteLineAsync($"Password of {number} reset; {reset.Value.Count} session(s) ended. / 已重置密码，已注销 {reset.Value.Count} 个会话。");
                    return 0;
                case "disable" or "enable":
                    var disable = command == "disable";
                    var changed = await accounts.SetDisabledAsync(number, disable);
                    if (!changed.IsOk) return await FailAsync(1, changed.Error.Message, changed.Error.MessageZh);
                    if (disable) await SignalAsync();
                    await output.WriteLineAsync(disable
                        ? $"Account {number} disabled; {changed.Value.Count} session(s) ended. / 账号已停用。"
                        : $"Account {number} enabled. / 账号已启用。");
                    return 0;
                case "sessions":
                    await output.WriteLineAsync("id\tdevice\tname\tcreated\tlast seen");
                    foreach (var s in await accounts.ListSessionsAsync(number))
                        await output.WriteLineAsync(FormattableString.Invariant(
                            $"{s.Id}\t{s.Device.ToString().ToLowerInvariant()}\t{s.DeviceName ?? "-"}\t{s.CreatedAt:yyyy-MM-dd HH:mm}Z\t{s.LastSeenAt:yyyy-MM-dd HH:mm}Z"));
                    return 0;
                case "revoke-session":
                    if (words.Count < 3 || !long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sessionId))
                        return await FailAsync(64, "revoke-session needs a session id (see: sessions <number>).", "需要会话编号。");
                    if (!await accounts.LogoutAsync(number, sessionId))
                        return await FailAsync(1, $"Account {number} has no session {sessionId}.", $"该账号没有会话 {sessionId}。");
                    await SignalAsync();
                    await output.WriteLineAsync($"Session {sessionId} of {number} ended. / 会话已注销。");
                    return 0;
                case "revoke-sessions":
                    var ended = await accounts.LogoutAllAsync(number);
                    await SignalAsync();
                    await output.WriteLineAsync($"{ended.Count} session(s) of {number} ended. / 已注销 {ended.Count} 个会话。");
                    return 0;
                default:
                    throw new InvalidOperationException($"'{command}' is listed in Known but not handled.");
            }
        }

        /// <summary>The ledger audit in one snapshot: counts, totals per currency (zero: nothing created or destroyed), and every problem found.</summary>
        private async Task<int> ReconcileAsync()
        {
            var audit = await wallet.AuditAsync();
            await output.WriteLineAsync(FormattableString.Invariant($"transactions\t{audit.Transactions}\npostings\t{audit.Postings}"));
            foreach (var (currency, total) in audit.TotalByCurrency.OrderBy(t => t.Key, StringComparer.Ordinal))
                await output.WriteLineAsync(FormattableString.Invariant($"total {currency}\t{total}"));
            foreach (var id in audit.UnbalancedTransactions) await output.WriteLineAsync(FormattableString.Invariant($"unbalanced transaction\t{id}"));
            foreach (var id in audit.MismatchedAccounts) await output.WriteLineAsync($"balance differs from postings\t{id}");
            foreach (var id in audit.NegativeAccounts) await output.WriteLineAsync($"below zero\t{id}");
            var bankClean = true;
            if (bankOptions.IsConfigured)
            {
                try
                {
                    var matched = await bank.ReconcileAsync();
                    await output.WriteLineAsync(FormattableString.Invariant($"bank payments\t{matched.BankPayments}\nbank matched\t{matched.Matched}\nbank resolved now\t{matched.Resolved}"));
                    foreach (var line in matched.Pending) await output.WriteLineAsync($"bank pending\t{line}");
                    foreach (var line in matched.Problems) await output.WriteLineAsync($"bank differs\t{line}");
                    bankClean = matched.IsClean;
                }
                catch (Penguin.Core.Wallet.Bank.BankUnavailableException e)
                {
                    return await FailAsync(1, $"The bank could not be asked ({e.Message}); the ledger was not compared with it.", "无法访问银行，未与银行核对。");
                }
            }
            if (audit.IsClean && bankClean)
            {
                await output.WriteLineAsync("The ledger reconciles. / 账目核对无误。");
                return 0;
            }
            return await FailAsync(1, "The ledger does not reconcile (see above).", "账目核对不符（见上）。");
        }

        /// <summary>Tells running nodes to close the ended sessions' connections now; if none hears it, their interval check still does.</summary>
        private async Task SignalAsync()
        {
            try
            {
                await signal.RaiseAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
            {
                await error.WriteLineAsync($"Running nodes could not be told ({e.Message}); open connections close within Penguin:SessionCheckInterval. / 未能通知运行中的节点，已有连接将在检查间隔内关闭。");
            }
        }

        private async Task<int> FailAsync(int code, string message, string messageZh)
        {
            await error.WriteLineAsync($"penguin-server admin: {message} / {messageZh}");
            return code;
        }

        /// <summary>16 characters from an alphabet without look-alikes: about 92 bits.</summary>
        private static string NewPassword() => RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);
    }
}
