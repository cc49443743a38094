using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Accounts;

public sealed class AccountOptions
{
    [Range(1, int.MaxValue)]
    public int RegistrationsPerAddress { get; set; } = 20;
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RegistrationWindow { get; set; } = TimeSpan.FromHours(1);
    [Range(1, int.MaxValue)]
    public int LoginFailuresPerAccount { get; set; } = 5;
    [Range(1, int.MaxValue)]
    public int LoginFailuresPerAddress { get; set; } = 50;
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>PBKDF2 iterations for new hashes; below the default only for tests and load runs.</summary>
    [Range(1_000, 10_000_000)]
    public int PasswordIterations { get; set; } = PasswordHasher.DefaultIterations;

    /// <summary>Failed logins of one account from all addresses (per window) after which every further attempt is delayed.</summary>
    [Range(1, int.MaxValue)]
    public int LoginFailuresBeforeDelay { get; set; } = 10;

    /// <summary>The longest delay: 250 ms after the first failure past the threshold, doubling up to this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan LoginDelayMax { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Device sessions one account keeps; a login beyond it ends the least recently seen session (its token stops working).</summary>
    [Range(1, 100_000)]
    public int MaxSessionsPerAccount { get; set; } = 50;

    /// <summary>How often a node looks for deletions a stopped node left half done (it also looks once at start).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan DeletionSweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}
