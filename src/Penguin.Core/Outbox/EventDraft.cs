using Penguin.Protocol;

namespace Penguin.Core.Outbox;

/// <summary>An event to append to a user's log in the same transaction as the change it reports.</summary>
public sealed record EventDraft(long UserId, DurableEvent Event);
