using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>The stored message; <see cref="Duplicate"/> when the client id had been used already (a retry).</summary>
public sealed record SendOutcome(MessageRecord Message, bool Duplicate);
