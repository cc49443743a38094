using Penguin.Protocol;

namespace Penguin.Core.Groups;

/// <summary>What a group send answers: the stored message, and whether it was stored before (a retry).</summary>
public sealed record GroupSendOutcomeView(GroupMessage Message, bool Duplicate);
