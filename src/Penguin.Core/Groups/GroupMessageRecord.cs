using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>
/// A stored group message (stored once, whatever the number of members). <see cref="Text"/> and <see cref="Attachment"/>
/// are null once recalled.
/// </summary>
public sealed record GroupMessageRecord(
    long Id,
    long GroupId,
    long SenderId,
    long Seq,
    string ClientId,
    string? Text,
    DateTimeOffset SentAt,
    DateTimeOffset? RecalledAt,
    long[] Mentions,
    bool MentionAll,
    Attachment? Attachment = null)
{
    public GroupMessage ToWire() =>
        new(Id, GroupId, SenderId, Seq, ClientId, SentAt, Text, RecalledAt is not null, Mentions.Length == 0 ? null : Mentions, MentionAll, Attachment);

    public bool Equals(GroupMessageRecord? other) =>
        other is not null && Id == other.Id && GroupId == other.GroupId && SenderId == other.SenderId && Seq == other.Seq
        && ClientId == other.ClientId && Text == other.Text && SentAt == other.SentAt && RecalledAt == other.RecalledAt
        && Mentions.SequenceEqual(other.Mentions) && MentionAll == other.MentionAll && Attachment == other.Attachment;

    public override int GetHashCode() => HashCode.Combine(Id, GroupId, Seq);

    /// <summary>Mentions as stored: numbers separated by commas ("" for none).</summary>
    public static string EncodeMentions(long[] mentions) => string.Join(',', mentions);

    public static long[] DecodeMentions(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : [.. stored.Split(',').Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
}
