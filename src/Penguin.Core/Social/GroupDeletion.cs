using Penguin.Protocol;

namespace Penguin.Core.Social;

/// <summary>The groups left after a deletion, and the friends moved to the default group (remarks kept).</summary>
public sealed record GroupDeletion(BuddyGroup[] Groups, long DefaultGroupId, FriendEntry[] MovedFriends);
