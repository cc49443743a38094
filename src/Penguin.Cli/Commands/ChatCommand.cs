using System.Globalization;
using System.Net.WebSockets;
using System.Threading.Channels;
using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// <c>chat &lt;number&gt;</c>: the conversation's recent messages, then a prompt. Lines are sent in order, one at a
/// time, by a worker, so typing goes on while a send waits for a reconnect; the end of the input ends the chat once
/// every line is on the server. With --json every event and reply of the conversation is printed as one JSON line.
/// </summary>
public static class ChatCommand
{
    private const int HistoryShown = 20;

    public static async Task<int> RunAsync(Invocation inv)
    {
        var peer = inv.Number(0);
        var me = MessageCommands.Me(inv);
        if (peer == me) throw inv.Usage("You cannot chat with yourself.", "不能和自己聊天。");
        var ct = inv.Cancel;
        using var lease = inv.TakeSession(); // a device session of its own: friends --watch runs beside it
        var client = lease.Client;
        Profile profile;
        try
        {
            profile = await client.GetUserAsync(peer, ct); // not_found ends here, before anything is shown
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code)
        {
            throw FriendCommands.NoSuchAccount(inv.Arg(0), e.Error);
        }
        var names = await PeerNames.LoadAsync(client, inv.Out, me, ct);
        var (nickname, remark) = await names.LookUpAsync(peer, ct);
        var screen = new ChatScreen(inv.Host, inv.Out);
        var session = new ChatSession(screen, names, peer, remark ?? profile.Nickname);
        var status = new StatusFollower(inv.Store, inv.RememberedStatus);
        var link = new ChatLink(client, inv.Host.PingInterval, status, session.OnEventAsync, (en, zh) => screen.Line($"[{inv.Out.T(en, zh)}]"));
        session.Link = link;

        // Connect first, then read the history: whatever arrives in between is an event, shown once.
        var connection = await link.OpenAsync(ct);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? running = null;
        try
        {
            screen.Line($"Chat with {(remark is null ? nickname : $"{remark} [{nickname}]")} ({peer}). Enter sends; /help lists commands, /quit ends.",
                $"与 {(remark is null ? nickname : $"{remark}［{nickname}］")}（{peer}）聊天。回车发送；/help 查看命令，/quit 结束。");
            var conversations = await client.GetConversationsAsync(ct);
            session.Start(conversations);
            session.ShowHistory(await client.GetHistoryAsync(peer, limit: HistoryShown, ct: ct));
            if (conversations.FirstOrDefault(c => c.Peer == peer) is { } c && c.ReadSeq < c.LastSeq)
                await connection.MarkReadAsync(peer, c.LastSeq, ct);

            running = link.RunAsync(end.Token);
            var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var worker = WorkAsync(inv, client, session, screen, peer, lines.Reader, end.Token);
            _ = ReadInputAsync(session, screen, peer, lines.Writer, end.Token);

            await Task.WhenAny(worker, running);
            if (running.IsFaulted) await running; // the session ended for good: its error is the answer
            await worker;
            return session.Failures > 0 ? Program.Failed : Program.Ok;
        }
        catch (PenguinException e) when (e.Error.Code == Errors.MessageRefused.Code)
        {
            throw MessageCommands.Refused(peer, e.Error);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Program.Ok; // Ctrl+C ends the chat
        }
        finally
        {
            await end.CancelAsync();
            if (running is not null)
            {
                try { await running; }
                catch (Exception e) when (e is OperationCanceledException or PenguinException or WebSocketException) { }
            }
            else await connection.CloseAsync();
        }
    }

    /// <summary>Feeds typed or piped lines to the worker until the input ends or the chat does.</summary>
    private static async Task ReadInputAsync(ChatSession session, ChatScreen screen, long peer, ChannelWriter<string> lines, CancellationToken ct)
    {
        try
        {
            while (await screen.ReadLineAsync(() => _ = TypingAsync(session, peer, ct), ct) is { } line)
                if (line.Length > 0) await lines.WriteAsync(line, ct);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lines.TryComplete();
        }
    }

    private static async Task TypingAsync(ChatSession session, long peer, CancellationToken ct)
    {
        try
        {
            var connection = await session.Link.ReadyAsync(null, ct);
            await connection.SetTypingAsync(peer, true, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Only a hint: never worth an error.
        }
    }

    /// <summary>Sends lines and runs slash commands in the order they came; returns at the end of the input or on /quit.</summary>
    private static async Task WorkAsync(Invocation inv, PenguinClient client, ChatSession session, ChatScreen screen, long peer, ChannelReader<string> lines, CancellationToken ct)
    {
        var p = inv.Out;
        await foreach (var line in lines.ReadAllAsync(ct))
        {
            if (!line.StartsWith('/') || line.StartsWith("//", StringComparison.Ordinal))
            {
                await session.SendAsync(line.StartsWith('/') ? line[1..] : line, ct);
                continue;
            }
            var words = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var argument = words.Length > 1 ? words[1] : null;
            switch (words[0])
            {
                case "/quit" or "/exit" or "/q":
                    return;
                case "/help" or "/?":
                    screen.Line(p.T(
                        "Commands: /recall <#seq|id> (your message, within 2 minutes)  /delete <#seq|id> (for you only)  /history [n]  /quit.  //text sends \"/text\".",
                        "命令：/recall <#序号|编号>（撤回自己 2 分钟内的消息）  /delete <#序号|编号>（仅自己删除）  /history [n]  /quit。以 // 开头发送以 / 开头的文字。"));
                    break;
                case "/recall" when argument is not null:
                    var target = session.Find(argument, out var recallId);
                    if (recallId == 0) session.Fail(NoSuchMessage(argument));
                    else if (target is not null && target.From == peer)
                        session.Fail(Errors.Forbidden.With("You can only recall your own messages.", "只能撤回自己的消息。"));
                    else await session.RequestAsync(c => c.RecallAsync(recallId, ct), ct);
                    break;
                case "/delete" when argument is not null:
                    session.Find(argument, out var deleteId);
                    if (deleteId > 0) await session.RequestAsync(c => c.DeleteMessageAsync(deleteId, ct), ct);
                    else session.Fail(NoSuchMessage(argument));
                    break;
                case "/history":
                    var n = argument is null ? HistoryShown
                        : int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var given) ? Math.Clamp(given, 1, Limits.HistoryPageMax) : 0;
                    if (n == 0) { session.Fail(Errors.InvalidField.With("Usage: /history [n]", "用法：/history [n]")); break; }
                    try { session.ShowHistory(await client.GetHistoryAsync(peer, limit: n, ct: ct)); }
                    catch (PenguinException e) { session.Fail(e.Error); }
                    break;
                default:
                    session.Fail(Errors.UnknownOp.With($"Unknown or incomplete command '{line}'; /help lists them.", $"未知或不完整的命令“{line}”；/help 查看命令。"));
                    break;
            }
        }
    }

    private static Error NoSuchMessage(string reference) =>
        Errors.NotFound.With($"No message '{reference}' here; use #seq as shown, or a message id.", $"这里没有消息“{reference}”；请用显示的 #序号 或消息编号。");
}
