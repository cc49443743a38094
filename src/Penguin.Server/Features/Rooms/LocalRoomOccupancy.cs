using Penguin.Core.Rooms;

namespace Penguin.Server.Features.Rooms;

/// <summary>The embedded node is the whole server: who is inside is what <see cref="RoomPresence"/> holds in memory.</summary>
public sealed class LocalRoomOccupancy(RoomPresence presence) : IRoomOccupancy
{
    public ValueTask<bool> EnterAsync(long roomId, long userId, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public ValueTask<bool> LeaveAsync(long roomId, long userId, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public ValueTask RemoveEverywhereAsync(long roomId, long userId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<long>> PeopleAsync(long roomId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<long>>(presence.Numbers(roomId));

    public ValueTask<IReadOnlyDictionary<long, int>> CountsAsync(IReadOnlyList<long> roomIds, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyDictionary<long, int>>(roomIds.Distinct().ToDictionary(id => id, presence.People));
}
