namespace Penguin.Core.Wallet;

/// <summary>At most <see cref="Max"/> may leave <see cref="AccountId"/> since <see cref="Since"/> in transactions of the given kinds.</summary>
public sealed record DailyLimit(string AccountId, long Max, DateTimeOffset Since, IReadOnlyList<string> Kinds);
