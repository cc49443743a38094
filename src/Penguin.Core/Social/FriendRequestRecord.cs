using Penguin.Protocol;

namespace Penguin.Core.Social;

public sealed record FriendRequestRecord(
    long Id,
    long FromId,
    long ToId,
    string Message,
    long FromGroupId,
    FriendRequestState State,
    DateTimeOffset CreatedAt);
