using System.Security.Cryptography;
using System.Text;
using Penguin.Protocol;

namespace Penguin.Core.Wallet;

/// <summary>The checks both engines make inside a command's transaction, once the accounts' balances are read (and locked).</summary>
public static class LedgerRules
{
    /// <summary>The largest balance any account may hold (10^15 fen = 10 trillion CNY): far from overflow, however many postings add up.</summary>
    public const long MaxBalance = 1_000_000_000_000_000;

    /// <summary>Stored instead of the request text: the same request gives the same fingerprint.</summary>
    public static string Hash(string fingerprint) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));

    /// <summary>Same key: the same request replays, a different one is a conflict.</summary>
    public static Error? Replay(string storedHash, LedgerCommand command) =>
        storedHash == Hash(command.Fingerprint) ? null : WalletErrors.IdempotencyConflict;

    /// <summary>
    /// Null when every posting leaves its account within bounds (not below zero unless it may, not above
    /// <see cref="MaxBalance"/>) and the daily limit, given the balances now and what already left today.
    /// </summary>
    public static Error? Check(LedgerCommand command, Func<string, long> balanceOf, long outgoingToday)
    {
        foreach (var posting in command.Postings)
        {
            var balance = balanceOf(posting.AccountId);
            var after = balance + posting.Amount; // both far inside long: balances are bounded by MaxBalance, amounts by the service
            if (posting.Amount < 0 && after < 0 && !LedgerAccounts.MayGoNegative(posting.AccountId))
                return WalletErrors.InsufficientFunds.With($"The balance is {balance}, not enough for {-posting.Amount}.", $"余额为 {balance}，不足以支付 {-posting.Amount}。");
            // The accounts mirroring the outside world may go far below zero (every top-up of every user), never near overflow.
            var bound = LedgerAccounts.MayGoNegative(posting.AccountId) ? long.MaxValue / 4 : MaxBalance;
            if (after > bound || after < -bound) return WalletErrors.AmountTooLarge;
        }
        if (command.Limit is { } limit && command.Postings.FirstOrDefault(p => p.AccountId == limit.AccountId) is { Amount: < 0 } leaving
            && outgoingToday - leaving.Amount > limit.Max)
            return WalletErrors.DailyLimitExceeded.With($"Today's limit is {limit.Max}; {outgoingToday} is used.", $"今日限额为 {limit.Max}，已使用 {outgoingToday}。");
        return null;
    }

    public static string StatusName(TransferStatus status) => status switch
    {
        TransferStatus.Pending => "pending",
        TransferStatus.Accepted => "accepted",
        TransferStatus.Returned => "returned",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static TransferStatus ParseStatus(string status) => status switch
    {
        "pending" => TransferStatus.Pending,
        "accepted" => TransferStatus.Accepted,
        "returned" => TransferStatus.Returned,
        _ => throw new InvalidOperationException($"Unknown transfer status {status}."),
    };

    public static string StatusName(RedPacketStatus status) => status switch
    {
        RedPacketStatus.Open => "open",
        RedPacketStatus.Finished => "finished",
        RedPacketStatus.Refunded => "refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static RedPacketStatus ParseRedPacketStatus(string status) => status switch
    {
        "open" => RedPacketStatus.Open,
        "finished" => RedPacketStatus.Finished,
        "refunded" => RedPacketStatus.Refunded,
        _ => throw new InvalidOperationException($"Unknown red packet status {status}."),
    };
}
