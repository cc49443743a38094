namespace Penguin.Core.Accounts;

public sealed record NewUser(string Nickname, string PasswordHash, string Avatar, DateTimeOffset CreatedAt);
