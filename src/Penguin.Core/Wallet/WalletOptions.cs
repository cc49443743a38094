using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Wallet;

/// <summary>The wallet's prices, limits and times (Penguin:Wallet, docs/operations.md). Amounts in fen (1 CNY = 100 fen).</summary>
public sealed class WalletOptions
{
    /// <summary>The price of one Q-coin in fen.</summary>
    [Range(typeof(long), "1", "1000000")]
    public long FenPerQCoin { get; set; } = 100;

    /// <summary>The largest single transfer or purchase, in fen.</summary>
    [Range(typeof(long), "1", "100000000000")]
    public long MaxAmount { get; set; } = 5_000_000;

    /// <summary>What one user may send, buy or withdraw per day (the day of <see cref="DayOffset"/>), in fen.</summary>
    [Range(typeof(long), "1", "1000000000000")]
    public long DailyLimit { get; set; } = 20_000_000;

    /// <summary>The offset from UTC of the clock the daily limit's day follows (China Standard Time: 08:00).</summary>
    [Range(typeof(TimeSpan), "-14:00:00", "14:00:00")]
    public TimeSpan DayOffset { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a transfer waits for its receiver before it returns to the sender.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan TransferHold { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a red packet stays open before what is left of it returns to the sender.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RedPacketHold { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most shares one red packet may have (a group's red packet for everyone in a 2,000-member group).</summary>
    [Range(1, 10_000)]
    public int RedPacketMaxCount { get; set; } = 2_000;

    /// <summary>
    /// Test and benchmark servers only: POST /api/v1/wallet/test-deposit credits the caller from bank clearing, so a
    /// load run can fund its accounts without the bank gateway. Never on in production (docs/operations.md).
    /// </summary>
    public bool TestDeposits { get; set; }

    /// <summary>How often expired transfers and red packets are returned.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wrong payment passwords in a row before the wallet locks.</summary>
    [Range(1, 100)]
    public int PayPasswordMaxFailures { get; set; } = 5;

    /// <summary>How long the wallet stays locked after too many wrong payment passwords.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PayPasswordLockout { get; set; } = TimeSpan.FromHours(3);
}
