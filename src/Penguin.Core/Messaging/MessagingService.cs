using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using System.Text.Json;
using Penguin.Core.Bus;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>
/// One-to-one chat: sending (idempotent, acknowledged only once stored), receipts, read cursors,
/// recall, delete-for-me, typing, the conversation list, history and search.
/// </summary>
public sealed partial class MessagingService(
    IMessageStore messages,
    EventPublisher publisher,
    IEventBus bus,
    TimeProvider time,
    MessagingOptions options,
    IAttachments? attachments = null,
    ILogger<MessagingService>? logger = null)
{
    private readonly FixedWindowThrottle _sendRate = new(options.SendsPerSecond, TimeSpan.FromSeconds(1), time);
    private readonly FixedWindowThrottle _typingRate = new(options.TypingPerSecond, TimeSpan.FromSeconds(1), time);
    private readonly ConcurrentDictionary<long, long> _pendingAcks = new();
    private int _ackFlushScheduled;

    public async ValueTask<Result<SendOutcome>> SendAsync(long senderId, SendMessage send, CancellationToken cancellationToken = default)
    {
        // A file may go without text (the text is then a caption); a text message needs its text.
        if ((send.FileId is null || send.Text is not null) && InvalidText(send.Text) is { } badText) return badText;
        if (string.IsNullOrWhiteSpace(send.ClientId) || send.ClientId.Length > Limits.ClientIdMaxLength)
            return Errors.InvalidField.With("'clientId' must be 1 to 64 characters.", "“clientId”须为 1 到 64 个字符。");
        if (send.To == senderId) return Errors.BadRequest.With("You cannot message yourself.", "不能给自己发消息。");
        if (send.FileId is null && send.DurationMs is not null)
            return Errors.InvalidField.With("'durationMs' goes with a voice clip's 'fileId'.", "“durationMs”只能与语音的“fileId”一起使用。");
        // A retry is answered with the stored message even when the rate limit (or, in the store, a block) would now
        // refuse it: what was acknowledged once stays acknowledged. Looked up only when refused; the store dedups the rest.
        if (!_sendRate.TryAcquire(senderId.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            return await AnswerRetryAsync(senderId, send, cancellationToken) ?? Errors.RateLimited;
        Attachment? attachment = null;
        if (send.FileId is not null)
        {
            if (await messages.FindSentAsync(senderId, send.ClientId, cancellationToken) is { } earlier) return AnswerRetry(earlier, send);
            if (attachments is null) return Errors.BadRequest.With("This server does not carry files.", "此服务器不支持发送文件。");
            var attached = await attachments.AttachAsync(senderId, send.FileId, send.DurationMs, cancellationToken);
            if (!attached.IsOk) return attached.Error;
            attachment = attached.Value;
        }

        // Stored to the millisecond: the acknowledged message and a later read of it must be equal.
        var now = time.GetUtcNow();
        var sentAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        // Whether the recipient accepts it is checked inside the send's own transaction (IMessageStore.SendIfAcceptedAsync):
        // no reads before it, and a block committed on another node a moment ago is seen.
        var committed = await messages.SendIfAcceptedAsync(new NewMessage(senderId, send.To, send.ClientId, send.Text, sentAt, attachment), m =>
        {
            var received = new MessageReceived(m.ToWire());
            return [new EventDraft(m.RecipientId, received), new EventDraft(m.SenderId, received)];
        }, cancellationToken);
        if (!committed.IsOk) return committed.Error;
        if (committed.Value.Value.Duplicate) return AnswerRetry(committed.Value.Value.Message, send);
        return await publisher.PublishAsync(committed.Value);
    }

    private async ValueTask<Result<SendOutcome>?> AnswerRetryAsync(long senderId, SendMessage send, CancellationToken cancellationToken = default) =>
        await messages.FindSentAsync(senderId, send.ClientId, cancellationToken) is { } earlier ? AnswerRetry(earlier, send) : (Result<SendOutcome>?)null;

    /// <summary>The stored message again for a retry; an error when the client id was used for a different message.</summary>
    private static Result<SendOutcome> AnswerRetry(MessageRecord earlier, SendMessage send) =>
        earlier.RecipientId == send.To && ((earlier.Text == send.Text && earlier.Attachment?.FileId == send.FileId) || earlier.RecalledAt is not null)
            ? new SendOutcome(earlier, Duplicate: true)
            : Errors.BadRequest.With("This clientId was already used for a different message.", "此 clientId 已用于另一条消息。");

    /// <summary>
    /// Records that the user's devices hold events up to <paramref name="eventSeq"/>. Acks are gathered for
    /// <see cref="MessagingOptions.AckCoalescing"/> and then written together, each user's as one write: a chatty
    /// conversation acknowledges per burst, not per message, one timer serves every user, and receipts reach
    /// the sender at most that much later.
    /// </summary>
    public void Acknowledge(long userId, long eventSeq)
    {
        _pendingAcks.AddOrUpdate(userId, eventSeq, (_, queued) => Math.Max(queued, eventSeq));
        if (Interlocked.CompareExchange(ref _ackFlushScheduled, 1, 0) == 0) _ = FlushAcknowledgementsAsync();
    }

    private async Task FlushAcknowledgementsAsync(CancellationToken cancellationToken = default)
    {
        await Task.Delay(options.AckCoalescing, time, cancellationToken);
        // Reset before taking: an ack arriving from now on is either taken below or schedules the next flush.
        Volatile.Write(ref _ackFlushScheduled, 0);
        var writes = new List<Task>();
        foreach (var userId in _pendingAcks.Keys)
            if (_pendingAcks.TryRemove(userId, out var upTo)) writes.Add(AcknowledgeNowAsync(userId, upTo, cancellationToken));
        await Task.WhenAll(writes);
    }

    private async Task AcknowledgeNowAsync(long userId, long upTo, CancellationToken cancellationToken = default)
    {
        try
        {
            var committed = await messages.AcknowledgeAsync(userId, upTo, receipts => receipts.Select(ToSender), cancellationToken);
            await publisher.PublishAsync(committed.Events);
        }
        catch (StorageUnavailableException)
        {
            // Delivery receipts only; the device's next ack covers these messages too.
        }
        catch (Exception e)
        {
            // No request waits for this flush: a bug here is logged (once, this flush) and the next ack covers these messages.
            if (logger is not null) LogAckFlushFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 4090, Level = LogLevel.Error, Message = "Writing the gathered delivery acknowledgements failed")]
    private static partial void LogAckFlushFailed(ILogger logger, Exception e);

    public async ValueTask<Result<bool>> MarkReadAsync(long userId, long peerId, long seq, CancellationToken cancellationToken = default)
    {
        if (seq < 0) return Errors.InvalidField;
        var committed = await messages.MarkReadAsync(userId, peerId, seq, r => r is null
            ? []
            : [new EventDraft(userId, new ConversationRead(peerId, r.ReadSeq)), ToSender(r)], cancellationToken);
        await publisher.PublishAsync(committed.Events);
        return true;
    }

    public async ValueTask<Result<MessageRecord>> RecallAsync(long userId, long messageId, CancellationToken cancellationToken = default)
    {
        var committed = await messages.RecallAsync(userId, messageId, time.GetUtcNow(), Limits.RecallWindow,
            m =>
            [
                new EventDraft(m.SenderId, new MessageRecalled(m.RecipientId, m.Id, m.Seq)),
                new EventDraft(m.RecipientId, new MessageRecalled(m.SenderId, m.Id, m.Seq)),
            ], cancellationToken);
        return committed.IsOk ? await publisher.PublishAsync(committed.Value) : committed.Error;
    }

    public async ValueTask<Result<MessageRecord>> DeleteForUserAsync(long userId, long messageId, CancellationToken cancellationToken = default)
    {
        var committed = await messages.DeleteForUserAsync(userId, messageId, m => [new EventDraft(userId, new MessageDeleted(m.PeerOf(userId), m.Id))], cancellationToken);
        return committed.IsOk ? await publisher.PublishAsync(committed.Value) : committed.Error;
    }

    /// <summary>
    /// Relays a typing indicator to the peer's devices, if the user may message them at all. Beyond
    /// <see cref="MessagingOptions.TypingPerSecond"/> they are dropped: each costs permission reads and a
    /// relay, and a client refreshes an indicator every few seconds, not many times a second.
    /// </summary>
    public async ValueTask<Result<bool>> SetTypingAsync(long userId, long to, bool active, CancellationToken cancellationToken = default)
    {
        if (to == userId || !_typingRate.TryAcquire(userId.ToString(System.Globalization.CultureInfo.InvariantCulture))) return false;
        if (await messages.RefusalAsync(userId, to, cancellationToken) is not null) return false;
        await RelayTypingAsync(userId, to, active, cancellationToken);
        return true;
    }

    /// <summary>Tells the peer's devices the user stopped typing: the device that showed it went away.</summary>
    public ValueTask EndTypingAsync(long userId, long to, CancellationToken cancellationToken = default) => RelayTypingAsync(userId, to, active: false, cancellationToken);

    private ValueTask RelayTypingAsync(long userId, long to, bool active, CancellationToken cancellationToken = default) =>
        bus.PublishAsync(to, new Delivery(JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(new TypingChanged(userId, active), PenguinJson.Wire.ServerFrame)), cancellationToken);

    public async ValueTask<Conversation[]> ListConversationsAsync(long userId, CancellationToken cancellationToken = default) =>
        [.. (await messages.ListConversationsAsync(userId, Limits.ConversationListMax, cancellationToken)).Select(c => new Conversation(
            c.PeerId, c.LastSeq, c.ReadSeq, Math.Max(0, c.LastSeq - c.ReadSeq), c.PeerDeliveredSeq, c.PeerReadSeq, c.UpdatedAt, c.Last?.ToWire()))];

    public async ValueTask<Result<MessagePage>> HistoryAsync(long userId, long peerId, long? beforeSeq, int? limit, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(limit ?? 50, 1, Limits.HistoryPageMax);
        var page = await messages.HistoryAsync(userId, peerId, beforeSeq ?? long.MaxValue, size + 1, cancellationToken);
        return new MessagePage([.. page.Take(size).Reverse().Select(m => m.ToWire())], page.Count > size);
    }

    public async ValueTask<Result<MessagePage>> SearchAsync(long userId, string? text, int? limit, CancellationToken cancellationToken = default)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 100 || Accounts.Validation.HasControl(text))
            return Errors.InvalidField.With("Search for 1 to 100 characters without control characters.", "请输入 1 到 100 个字符进行搜索，且不能包含控制字符。");
        var size = Math.Clamp(limit ?? 50, 1, Limits.HistoryPageMax);
        var found = await messages.SearchAsync(userId, text, size + 1, cancellationToken);
        return new MessagePage([.. found.Take(size).Select(m => m.ToWire())], found.Count > size);
    }

    private static EventDraft ToSender(Receipt r) => new(r.PeerId, new MessageReceipt(r.ReaderId, r.DeliveredSeq, r.ReadSeq));

    /// <summary>Text must have something visible, fit the limit, and carry no control characters but line breaks and tabs.</summary>
    private static Error? InvalidText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > Limits.MessageMaxLength || Accounts.Validation.HasLoneSurrogate(text)) return Errors.InvalidMessage;
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\n' or '\t' or '\r')) return Errors.InvalidMessage;
        return Accounts.Validation.IsDisplayable(text) ? null : Errors.InvalidMessage;
    }
}
