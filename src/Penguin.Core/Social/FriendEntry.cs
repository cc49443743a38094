namespace Penguin.Core.Social;

/// <summary>One side of a friendship: the friend, the buddy group it sits in and the remark given to it.</summary>
public sealed record FriendEntry(long FriendId, long GroupId, string? Remark);
