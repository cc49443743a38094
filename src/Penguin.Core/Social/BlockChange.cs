namespace Penguin.Core.Social;

public sealed record BlockChange(long[] Blocked, bool WereFriends, FriendRequestRecord[] ClosedRequests);
