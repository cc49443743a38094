namespace Penguin.Core.Groups;

/// <summary>
/// Who a group's messages reach, as of a members version: every member, and those who receive live
/// (every member but those who block the group).
/// </summary>
public sealed record GroupAudience(long Version, HashSet<long> Members, long[] Live);
