namespace Penguin.Core.Groups;

/// <summary>The stored message; <see cref="Duplicate"/> for a retry; <see cref="MembersVersion"/> to know whether the cached member list still holds.</summary>
public sealed record GroupSendOutcome(GroupMessageRecord Message, bool Duplicate, long MembersVersion);
