using System.ComponentModel.DataAnnotations;

namespace Penguin.Bank;

/// <summary>
/// penguin-bank's settings (section Bank; --Bank:Name=value, PENGUIN_BANK_ environment). Rates are fractions 0 to 1 of
/// requests, drawn at random; the test cards (docs/protocol.md "13.9") make each behaviour certain for one payment.
/// </summary>
public sealed class BankSettings
{
    /// <summary>The secret shared with the merchant (Penguin:Bank:Secret), at least 16 characters.</summary>
    [Required, MinLength(16)]
    public string Secret { get; set; } = "";

    /// <summary>The bank's own records (SQLite).</summary>
    [Required]
    public string DataFile { get; set; } = "penguin-bank.db";

    /// <summary>Added before every charge or payout is answered.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    [Range(0.0, 1.0)]
    public double DeclineRate { get; set; }

    /// <summary>Payments recorded but never answered (the request hangs until the merchant gives up).</summary>
    [Range(0.0, 1.0)]
    public double TimeoutRate { get; set; }

    /// <summary>How long after the payment its callback is first sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CallbackDelay { get; set; } = TimeSpan.Zero;

    [Range(0.0, 1.0)]
    public double CallbackDuplicateRate { get; set; }

    [Range(0.0, 1.0)]
    public double CallbackDropRate { get; set; }

    /// <summary>A callback the merchant did not accept (not 2xx, no answer) is sent again after this times the attempts so far.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan CallbackRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(1, 100)]
    public int CallbackMaxAttempts { get; set; } = 8;

    /// <summary>How far a request's signed timestamp may be from the bank's clock.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);
}
