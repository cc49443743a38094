using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Groups;

public sealed class GroupsOptions
{
    /// <summary>Members a group may have (the owner included); checked on every join.</summary>
    [Range(2, 5000)]
    public int MaxMembers { get; set; } = 500;

    /// <summary>Group messages one user may send per second (all groups and devices together).</summary>
    [Range(1, int.MaxValue)]
    public int SendsPerSecond { get; set; } = 20;
}
