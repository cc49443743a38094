using Penguin.Protocol;

namespace Penguin.Core.Accounts;

public sealed record SessionRecord(long Id, long UserId, DeviceKind Device, string? DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt);
