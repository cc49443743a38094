using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>A stored one-to-one message. <see cref="Text"/> is null once recalled.</summary>
public sealed record MessageRecord(
    long Id,
    long SenderId,
    long RecipientId,
    long Seq,
    string ClientId,
    string? Text,
    DateTimeOffset SentAt,
    DateTimeOffset? RecalledAt,
    Attachment? Attachment = null)
{
    public Message ToWire() => new(Id, SenderId, RecipientId, Seq, ClientId, SentAt, Text, RecalledAt is not null) { Attachment = Attachment };

    public long PeerOf(long userId) => userId == SenderId ? RecipientId : SenderId;
}
