namespace Penguin.Core.Social;

/// <summary>How one user stands to another. Friendship is mutual; blocking is one-sided.</summary>
public sealed record Relation(bool Friends, bool Blocking, bool BlockedBy)
{
    public static readonly Relation None = new(false, false, false);
}
