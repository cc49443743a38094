namespace Penguin.Core.Groups;

/// <summary>A group together with one user's membership of it.</summary>
public sealed record GroupMembership(GroupRecord Group, MemberRecord Member);
