namespace Penguin.Core.Messaging;

/// <summary>One conversation from a user's side, with the peer's cursors for the state of the user's own messages.</summary>
public sealed record ConversationRecord(
    long PeerId,
    long LastSeq,
    long ReadSeq,
    long PeerDeliveredSeq,
    long PeerReadSeq,
    DateTimeOffset UpdatedAt,
    MessageRecord? Last);
