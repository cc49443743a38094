using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>
/// Storage of one-to-one conversations. Every conversation has its own message sequence; each message is
/// also an event in both users' logs, which is how sync delivers it.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Stores the message with the conversation's next seq and appends its events, in one transaction.
    /// Idempotent by (sender, client id): a retry returns the stored message and appends nothing.
    /// Sending also reads the conversation up to the new message for the sender.
    /// </summary>
    ValueTask<Committed<SendOutcome>> SendAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="SendAsync"/> for a user's send: stored only if the recipient accepts it (see <see cref="RefusalAsync"/>),
    /// checked in the send's own transaction under both users' locks, so a block, unfriending or settings change
    /// committed before the send — on any node — always refuses it, and a send costs no reads before it. A retried
    /// client id is answered with its stored message even if the recipient would now refuse it.
    /// </summary>
    ValueTask<Result<Committed<SendOutcome>>> SendIfAcceptedAsync(NewMessage message, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Why the recipient would not accept a message from the sender now, or null if they would: <see cref="Errors.NotFound"/>
    /// when there is no such (undeleted) user, <see cref="Errors.MessageRefused"/> when either blocks the other, or they
    /// are not friends and the recipient neither allows strangers' messages nor has messaged the sender (a message not
    /// recalled: a reply in a temporary session, 临时会话). One read.
    /// </summary>
    ValueTask<Error?> RefusalAsync(long senderId, long recipientId, CancellationToken cancellationToken = default);

    /// <summary>The message the sender already sent with this client id, if any (a retry).</summary>
    ValueTask<MessageRecord?> FindSentAsync(long senderId, string clientId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The user's devices hold every event of their log up to <paramref name="eventSeq"/>: messages received
    /// up to there count as delivered. Returns the conversations whose delivered cursor moved.
    /// </summary>
    ValueTask<Committed<IReadOnlyList<Receipt>>> AcknowledgeAsync(long userId, long eventSeq, EventsFor<IReadOnlyList<Receipt>> events, CancellationToken cancellationToken = default);

    /// <summary>Moves the user's read cursor of the conversation forward (never back, never past its last message); null when nothing moved.</summary>
    ValueTask<Committed<Receipt?>> MarkReadAsync(long userId, long peerId, long seq, EventsFor<Receipt?> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Recalls the sender's own message within <paramref name="window"/>: erases its text (also from search and
    /// from the stored message events, which every engine builds from the message row) and appends the recall events.
    /// </summary>
    ValueTask<Result<Committed<MessageRecord>>> RecallAsync(long userId, long messageId, DateTimeOffset now, TimeSpan window,
        EventsFor<MessageRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Hides a message the user sent or received from that user's history only.</summary>
    ValueTask<Result<Committed<MessageRecord>>> DeleteForUserAsync(long userId, long messageId, EventsFor<MessageRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Whether the user sent or received a message carrying the file that is neither recalled nor deleted for them.</summary>
    ValueTask<bool> MaySeeFileAsync(long userId, string fileId, CancellationToken cancellationToken = default);

    /// <summary>The user's conversations, most recent first.</summary>
    ValueTask<IReadOnlyList<ConversationRecord>> ListConversationsAsync(long userId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> messages of the conversation before <paramref name="beforeSeq"/>, newest first, without those the user deleted.</summary>
    ValueTask<IReadOnlyList<MessageRecord>> HistoryAsync(long userId, long peerId, long beforeSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The user's own messages (sent or received, not recalled or deleted) containing <paramref name="text"/>, newest first.</summary>
    ValueTask<IReadOnlyList<MessageRecord>> SearchAsync(long userId, string text, int limit, CancellationToken cancellationToken = default);
}
