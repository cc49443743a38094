namespace Penguin.Core.Common;

/// <summary>Whether this node can reach its system of record; what /healthz reports, whichever engine runs.</summary>
public interface IStorageHealth
{
    ValueTask<bool> IsHealthyAsync(CancellationToken cancellationToken = default);
}
