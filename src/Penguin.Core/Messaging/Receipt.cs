namespace Penguin.Core.Messaging;

/// <summary>How far <see cref="ReaderId"/> has received and read the conversation with <see cref="PeerId"/>.</summary>
public sealed record Receipt(long ReaderId, long PeerId, long DeliveredSeq, long ReadSeq);
