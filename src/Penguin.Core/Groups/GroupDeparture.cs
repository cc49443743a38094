namespace Penguin.Core.Groups;

/// <summary>
/// A deleted account taken out of a group (<see cref="IGroupStore.RemoveDeletedAsync"/>): the group afterwards, the
/// membership it had, the member who became the owner when it was the owner (null otherwise, or when the group was
/// dissolved for want of one), and the members left (all former members, the deleted account included, when dissolved).
/// </summary>
public sealed record GroupDeparture(GroupRecord Group, MemberRecord Former, MemberRecord? NewOwner, IReadOnlyList<long> Members);
