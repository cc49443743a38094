using System.Globalization;
using Penguin.Protocol;

namespace Penguin.Cli.Output;

/// <summary>Where one of my own messages stands, as the peer's receipts tell it.</summary>
public enum MessageState { Sending, Sent, Delivered, Read }

/// <summary>Messages and conversations as text lines: "#12 14:03 Bob: hello  ✓✓ read".</summary>
public static class MessageView
{
    public static string Line(Printer p, Message m, string name, MessageState? state = null) =>
        $"#{m.Seq} {Clock(m.SentAt)} {name}: {Body(p, m)}{(state is { } s ? "  " + p.State(s) : "")}";

    /// <summary>The text, continuation lines indented under it; a recalled message says so.</summary>
    public static string Body(Printer p, Message m) =>
        m.Recalled || m.Text is null ? p.T("(recalled)", "（已撤回）") : m.Text.ReplaceLineEndings("\n    ");

    /// <summary>One line, cut to about <paramref name="max"/> characters.</summary>
    public static string Preview(Printer p, Message m, int max = 40)
    {
        if (m.Recalled || m.Text is null) return p.T("(recalled)", "（已撤回）");
        var text = string.Join(' ', m.Text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= max ? text : text[..max] + "…";
    }

    public static string State(this Printer p, MessageState state) => state switch
    {
        MessageState.Sending => p.T("sending…", "发送中…"),
        MessageState.Sent => p.T("✓ sent", "✓ 已发送"),
        MessageState.Delivered => p.T("✓✓ delivered", "✓✓ 已送达"),
        _ => p.T("✓✓ read", "✓✓ 已读"),
    };

    /// <summary>The state of my message <paramref name="seq"/> given how far the peer has received and read.</summary>
    public static MessageState StateOf(long seq, long peerDelivered, long peerRead) =>
        seq <= peerRead ? MessageState.Read : seq <= peerDelivered ? MessageState.Delivered : MessageState.Sent;

    /// <summary>"14:03" today, "2024-05-17 14:03" on other days.</summary>
    public static string Clock(DateTimeOffset time)
    {
        var local = time.ToLocalTime();
        return local.Date == DateTimeOffset.Now.Date
            ? local.ToString("HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }
}
