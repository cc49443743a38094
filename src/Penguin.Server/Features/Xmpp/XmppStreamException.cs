namespace Penguin.Server.Features.Xmpp;

/// <summary>Ends the stream with an RFC 6120 §4.9 stream error (its defined condition, e.g. "not-well-formed").</summary>
public sealed class XmppStreamException(string condition, string? text = null) : Exception(text ?? condition)
{
    public string Condition { get; } = condition;

    public string? Text { get; } = text;
}
