namespace Penguin.Server.Features.Rooms;

/// <summary>Rooms a connection entered (kept on the connection so that its end leaves them; a kick may have removed it already).</summary>
internal sealed class RoomsEntered : HashSet<long>;
