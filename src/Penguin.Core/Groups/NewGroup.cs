using Penguin.Protocol;

namespace Penguin.Core.Groups;

public sealed record NewGroup(long OwnerId, string Name, string Avatar, string Introduction, GroupJoinPolicy JoinPolicy, DateTimeOffset CreatedAt);
