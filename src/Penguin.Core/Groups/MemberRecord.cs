using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>
/// A user's membership. <see cref="JoinedSeq"/> is the group's last seq when they joined: they see messages after it.
/// <see cref="ReadSeq"/> starts there and only moves forward.
/// </summary>
public sealed record MemberRecord(
    long GroupId,
    long UserId,
    GroupRole Role,
    string? Card,
    DateTimeOffset? MutedUntil,
    GroupNotify Notify,
    DateTimeOffset JoinedAt,
    long JoinedSeq,
    long ReadSeq)
{
    public GroupMember ToWire(DateTimeOffset now) => new(UserId, Role, JoinedAt, Card, IsMuted(now) ? MutedUntil : null);

    public bool IsMuted(DateTimeOffset now) => MutedUntil is { } until && until > now;

    public bool IsAdmin => Role >= GroupRole.Admin;
}
