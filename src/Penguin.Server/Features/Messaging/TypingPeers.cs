namespace Penguin.Server.Features.Messaging;

/// <summary>Peers a connection has shown "typing" to and not yet "stopped" (kept on the connection once it types).</summary>
internal sealed class TypingPeers : HashSet<long>;
