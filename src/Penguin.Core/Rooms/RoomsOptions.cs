using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Rooms;

public sealed class RoomsOptions
{
    /// <summary>Room messages one user may send per second (all rooms and devices together).</summary>
    [Range(1, int.MaxValue)]
    public int SendsPerSecond { get; set; } = 10;
}
