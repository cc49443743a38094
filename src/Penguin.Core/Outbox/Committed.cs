namespace Penguin.Core.Outbox;

/// <summary>A committed change and the events stored with it, to publish after the commit.</summary>
public sealed record Committed<T>(T Value, IReadOnlyList<CommittedEvent> Events);
