namespace Penguin.Core.Groups;

public sealed record NewGroupMessage(long GroupId, long SenderId, string ClientId, string? Text, long[] Mentions, bool MentionAll, DateTimeOffset SentAt,
    Protocol.Attachment? Attachment = null);
