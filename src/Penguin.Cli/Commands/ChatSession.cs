using System.Net.WebSockets;
using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// What the open chat knows: the messages of the conversation on screen, the state of my own messages and how far
/// other conversations are read. Events from the link and the user's sends both update it (under one lock) and say
/// what changed on the screen.
/// </summary>
public sealed class ChatSession(ChatScreen screen, PeerNames names, long peer, string peerName)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Message> _messages = [];       // by conversation seq
    private readonly Dictionary<long, MessageState> _mine = [];      // my messages' last shown state, by seq
    private readonly HashSet<string> _clientIds = [];                // sends of this chat: their echoes are not news
    private readonly Dictionary<long, long> _readSeq = [];           // other conversations: read up to
    private readonly Dictionary<long, long> _noticedSeq = [];        // other conversations: last message noticed
    private long _peerDelivered, _peerRead;
    private bool _peerTyping;

    private Printer P => screen.Printer;

    public ChatLink Link { get; set; } = null!;

    /// <summary>Sends and commands that failed; the chat exits 1 when there were any.</summary>
    public int Failures { get; private set; }

    public void Start(Conversation[] conversations)
    {
        lock (_lock)
        {
            foreach (var c in conversations) _readSeq[c.Peer] = _noticedSeq[c.Peer] = c.ReadSeq;
            if (conversations.FirstOrDefault(c => c.Peer == peer) is { } mine) (_peerDelivered, _peerRead) = (mine.PeerDeliveredSeq, mine.PeerReadSeq);
        }
    }

    public void ShowHistory(MessagePage page)
    {
        screen.Json(page, PenguinJson.Wire.MessagePage);
        lock (_lock)
        {
            foreach (var m in page.Messages)
            {
                _messages[m.Seq] = m;
                MessageState? state = null;
                if (m.From == names.Me) _mine[m.Seq] = (state = MessageView.StateOf(m.Seq, _peerDelivered, _peerRead)).Value;
                screen.Line(MessageView.Line(P, m, m.From == names.Me ? P.T("Me", "我") : peerName, state));
            }
        }
        if (page.Messages.Length == 0) screen.Line("(no messages yet)", "（还没有消息）");
    }

    // ---- events from the server ----

    public async Task OnEventAsync(ServerFrame frame, PenguinConnection connection)
    {
        switch (frame)
        {
            case MessageReceived { Message: var m } when m.From == peer || (m.From == names.Me && m.To == peer):
                if (ShowMessage(frame, m)) await MarkReadAsync(connection, m);
                break;
            case MessageReceived { Message: var m } when m.From != names.Me:
                await NoticeOtherAsync(frame, m);
                break;
            case MessageReceipt r when r.Peer == peer:
                Receipt(frame, r);
                break;
            case ConversationRead read:
                lock (_lock) _readSeq[read.Peer] = Math.Max(_readSeq.GetValueOrDefault(read.Peer), read.ReadSeq);
                break;
            case MessageRecalled recalled when recalled.Peer == peer:
                Recalled(frame, recalled);
                break;
            case MessageDeleted deleted when deleted.Peer == peer:
                Deleted(frame, deleted);
                break;
            case TypingChanged typing when typing.From == peer:
                bool show;
                lock (_lock) (show, _peerTyping) = (typing.Active && !_peerTyping, typing.Active);
                screen.Frame(frame);
                if (show) screen.Line($"({peerName} is typing…)", $"（{peerName} 正在输入…）");
                break;
        }
    }

    /// <summary>Shows a message of this conversation once; true when it is the peer's and new (so: to mark read).</summary>
    private bool ShowMessage(ServerFrame frame, Message m)
    {
        lock (_lock)
        {
            var mine = m.From == names.Me;
            if (_messages.ContainsKey(m.Seq) || (mine && _clientIds.Contains(m.ClientId))) return false;
            _messages[m.Seq] = m;
            MessageState? state = null;
            if (mine) _mine[m.Seq] = (state = MessageView.StateOf(m.Seq, _peerDelivered, _peerRead)).Value;
            else _peerTyping = false;
            screen.Frame(frame);
            screen.Line(MessageView.Line(P, m, mine ? P.T("Me", "我") : peerName, state));
            return !mine;
        }
    }

    private async Task MarkReadAsync(PenguinConnection connection, Message m)
    {
        try
        {
            await connection.MarkReadAsync(peer, m.Seq);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or PenguinException)
        {
            // The connection dropped: the next message, or the next chat, marks it read.
        }
    }

    private async Task NoticeOtherAsync(ServerFrame frame, Message m)
    {
        long unread;
        lock (_lock)
        {
            if (m.Seq <= _noticedSeq.GetValueOrDefault(m.From)) return; // replayed after a reconnect
            _noticedSeq[m.From] = m.Seq;
            unread = m.Seq - _readSeq.GetValueOrDefault(m.From);
        }
        screen.Frame(frame);
        if (screen.IsJson) return;
        var who = await names.FullNameAsync(m.From, CancellationToken.None);
        screen.Line($"[new message from {who}: {unread} unread — penguin chat {m.From}]", $"[{who} 发来新消息：{unread} 条未读 — penguin chat {m.From}]");
    }

    private void Receipt(ServerFrame frame, MessageReceipt r)
    {
        var changed = new List<(long Seq, MessageState State)>();
        lock (_lock)
        {
            _peerDelivered = Math.Max(_peerDelivered, r.DeliveredSeq);
            _peerRead = Math.Max(_peerRead, r.ReadSeq);
            foreach (var (seq, old) in _mine.OrderBy(kv => kv.Key).ToList())
            {
                var now = MessageView.StateOf(seq, _peerDelivered, _peerRead);
                if (now <= old) continue;
                _mine[seq] = now;
                changed.Add((seq, now));
            }
        }
        screen.Frame(frame);
        foreach (var group in changed.GroupBy(c => c.State))
            screen.Line($"[{string.Join(' ', group.Select(c => $"#{c.Seq}"))} {P.State(group.Key)}]");
    }

    private void Recalled(ServerFrame frame, MessageRecalled recalled)
    {
        bool mine;
        lock (_lock)
        {
            if (_messages.TryGetValue(recalled.MessageSeq, out var m) && m.Recalled) return;
            mine = m?.From == names.Me || _mine.ContainsKey(recalled.MessageSeq);
            if (m is not null) _messages[recalled.MessageSeq] = m with { Recalled = true, Text = null };
        }
        screen.Frame(frame);
        var seq = recalled.MessageSeq;
        if (mine) screen.Line($"[You recalled #{seq}]", $"[你撤回了 #{seq}]");
        else screen.Line($"[{peerName} recalled #{seq}]", $"[{peerName} 撤回了 #{seq}]");
    }

    private void Deleted(ServerFrame frame, MessageDeleted deleted)
    {
        long? seq;
        lock (_lock)
        {
            seq = _messages.Values.FirstOrDefault(m => m.Id == deleted.Id)?.Seq;
            if (seq is { } s)
            {
                _messages.Remove(s);
                _mine.Remove(s);
            }
        }
        screen.Frame(frame);
        var which = seq is { } known ? $"#{known}" : P.T($"message {deleted.Id}", $"消息 {deleted.Id}");
        screen.Line($"[{which} deleted (for you)]", $"[已删除 {which}（仅自己）]");
    }

    // ---- what the user does ----

    /// <summary>
    /// Sends one line, retrying on a dropped connection with the same client id until the server has it (the server
    /// treats a repeated client id as the same message). A refusal that will not change ends the chat (throws).
    /// </summary>
    public async Task SendAsync(string text, CancellationToken ct)
    {
        var clientId = Guid.NewGuid().ToString("N");
        lock (_lock) _clientIds.Add(clientId);
        screen.Line($"{P.T("Me", "我")}: {text.ReplaceLineEndings(" ")}  [{P.State(MessageState.Sending)}]");
        PenguinConnection? failed = null;
        while (true)
        {
            var connection = await Link.ReadyAsync(failed, ct);
            try
            {
                OnAccepted(await connection.SendTextAsync(peer, text, clientId, ct));
                await connection.SetTypingAsync(peer, false, ct);
                return;
            }
            catch (PenguinException e) when (e.Error.Code == Errors.MessageRefused.Code || e.Error.Code == Errors.NotFound.Code)
            {
                throw;
            }
            catch (PenguinException e) when (e.Error.Code == Errors.RateLimited.Code)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            catch (PenguinException e)
            {
                Failures++;
                screen.Error(e.Error);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
                failed = connection;
                screen.Line("[not confirmed yet; will resend when reconnected]", "[尚未确认，重连后将重发]");
            }
        }
    }

    private void OnAccepted(MessageAccepted accepted)
    {
        var m = accepted.Message;
        MessageState state;
        lock (_lock)
        {
            _messages[m.Seq] = m;
            _mine[m.Seq] = state = MessageView.StateOf(m.Seq, _peerDelivered, _peerRead);
        }
        screen.Frame(accepted);
        screen.Line($"[#{m.Seq} {P.State(state)}]");
    }

    /// <summary>"#12" is message 12 of this chat; a bare number is a seq shown here if there is one, else a message id.</summary>
    public Message? Find(string reference, out long id)
    {
        id = 0;
        var bySeq = reference.StartsWith('#');
        if (!long.TryParse(reference.TrimStart('#'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) return null;
        lock (_lock)
        {
            if (_messages.TryGetValue(n, out var m)) { id = m.Id; return m; }
            if (bySeq) return null;
            id = n;
            return _messages.Values.FirstOrDefault(x => x.Id == n);
        }
    }

    public void Fail(Error error)
    {
        Failures++;
        screen.Error(error);
    }

    /// <summary>Runs a request on the live connection, once more if the connection drops under it.</summary>
    public async Task RequestAsync(Func<PenguinConnection, Task> request, CancellationToken ct)
    {
        PenguinConnection? failed = null;
        for (var attempt = 0; ; attempt++)
        {
            var connection = await Link.ReadyAsync(failed, ct);
            try
            {
                await request(connection);
                return;
            }
            catch (PenguinException e)
            {
                Fail(e.Error);
                return;
            }
            catch (Exception e) when (attempt == 0 && !ct.IsCancellationRequested && e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                failed = connection;
            }
        }
    }
}
