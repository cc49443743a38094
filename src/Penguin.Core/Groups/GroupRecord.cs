using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>A stored group. <see cref="LastSeq"/> is the seq of its newest message; <see cref="MembersVersion"/> moves whenever who receives its messages changes.</summary>
public sealed record GroupRecord(
    long Id,
    string Name,
    string Avatar,
    string Introduction,
    string Announcement,
    GroupJoinPolicy JoinPolicy,
    bool MuteAll,
    long OwnerId,
    int MemberCount,
    DateTimeOffset CreatedAt,
    bool Dissolved,
    long LastSeq,
    long MembersVersion)
{
    public GroupInfo ToWire(int maxMembers) =>
        new(Id, Name, Avatar, Introduction, Announcement, JoinPolicy, MuteAll, OwnerId, MemberCount, maxMembers, CreatedAt, Dissolved);
}
