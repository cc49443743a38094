namespace Penguin.Core.Outbox;

/// <summary>Builds the events for a change once the store knows its outcome (new ids, the resulting list...).</summary>
public delegate IEnumerable<EventDraft> EventsFor<in T>(T outcome);
