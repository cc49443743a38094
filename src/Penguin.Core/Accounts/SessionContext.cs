using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>An authenticated device session: who, and on which device.</summary>
public sealed record SessionContext(long UserId, long SessionId, DeviceKind Device);
