namespace Penguin.Core.Messaging;

public sealed record NewMessage(long SenderId, long RecipientId, string ClientId, string? Text, DateTimeOffset SentAt, Protocol.Attachment? Attachment = null);
