namespace Penguin.Core.Accounts;

/// <summary>What an administrator sees of an account: whether it may log in and whether its owner deleted it.</summary>
public sealed record AccountStatus(long Number, string Nickname, DateTimeOffset CreatedAt, bool Disabled, DateTimeOffset? DeletedAt);
