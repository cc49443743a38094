namespace Penguin.Core.Wallet;

/// <summary>A user's payment password (hashed as login passwords are), with its failed attempts and lockout.</summary>
public sealed record PayPasswordRecord(long UserId, string Hash, int Failures, DateTimeOffset? LockedUntil);
