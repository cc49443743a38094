namespace Penguin.Core.Social;

/// <summary>The two sides of a new friendship.</summary>
public sealed record Friendship(FriendRequestRecord Request, FriendEntry FromSide, FriendEntry ToSide);
