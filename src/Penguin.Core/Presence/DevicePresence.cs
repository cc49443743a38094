using Penguin.Protocol;

namespace Penguin.Core.Presence;

/// <summary>One device's presence.</summary>
public sealed record DevicePresence(long SessionId, DeviceKind Device, PresenceStatus Status);
