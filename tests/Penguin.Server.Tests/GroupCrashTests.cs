using System.Collections.Concurrent;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// A group's acknowledged message is stored: proven by killing the server process (SIGKILL) in the middle of a
/// storm of group sends from several members, then retrying what was never acknowledged.
/// </summary>
public sealed class GroupCrashTests
{
    private const string Password = User.Password;

    [Fact]
    public async Task Kill9_DuringGroupSendStorm_LosesNoAcknowledgedMessage_DuplicatesNone_AndDevicesConverge()
    {
        var data = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));
        using var server = new ServerProcess(data);
        await server.StartAsync();

        // Four senders (the owner among them) and a reader with a pc online during the storm and a phone offline.
        var names = new[] { "owner", "s1", "s2", "s3", "reader" };
        var accounts = new List<(PenguinClient Client, long Number)>();
        foreach (var name in names)
        {
            var client = new PenguinClient(server.BaseUri);
            var number = await client.RegisterAsync(name, Password);
            await client.LoginAsync(number, Password, DeviceKind.Pc);
            accounts.Add((client, number));
        }
        var group = (await accounts[0].Client.CreateGroupAsync(new CreateGroupRequest("风暴群", "storm", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        foreach (var (rest, _) in accounts.Skip(1)) Assert.Equal(GroupJoinState.Joined, (await rest.JoinGroupAsync(group)).State);
        var readerPhone = new PenguinClient(server.BaseUri);
        await readerPhone.LoginAsync(accounts[4].Number, Password, DeviceKind.Mobile);

        var readerPc = await accounts[4].Client.ConnectAsync();
        var senders = new PenguinConnection[4];
        for (var i = 0; i < senders.Length; i++) senders[i] = await accounts[i].Client.ConnectAsync();

        var acknowledged = new ConcurrentDictionary<(int Sender, string ClientId), GroupMessage>();
        var attempted = new ConcurrentDictionary<(int Sender, string ClientId), string>();
        using var stop = new CancellationTokenSource();
        var lanes = Enumerable.Range(0, 8).Select(lane => Task.Run(async () =>
        {
            var sender = lane % senders.Length;
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = (sender, $"lane{lane}-{i}");
                var text = $"群消息 {lane}/{i}";
                attempted[key] = text;
                try
                {
                    acknowledged[key] = (await senders[sender].SendGroupTextAsync(group, text, key.Item2)).Message;
                }
                catch (Exception e) when (e is PenguinException or System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
            }
        })).ToArray();

        while (acknowledged.Count < 300) await Task.Delay(10);
        server.Kill();
        stop.Cancel();
        await Task.WhenAll(lanes);
        var acknowledgedBeforeCrash = acknowledged.ToDictionary();
        var liveBeforeCrash = readerPc.TakeEvents().OfType<GroupMessageReceived>().Select(m => m.Message).ToList();
        await readerPc.DisposeAsync();
        foreach (var sender in senders) await sender.DisposeAsync();

        await server.StartAsync();

        // Every sender retries each send whose outcome it never learned, with the same client id; an
        // acknowledged one retried again is the same stored message, not a second one.
        for (var i = 0; i < senders.Length; i++)
        {
            await using var retry = await accounts[i].Client.ConnectAsync();
            foreach (var ((sender, clientId), text) in attempted.Where(a => a.Key.Sender == i && !acknowledgedBeforeCrash.ContainsKey(a.Key)))
                acknowledged[(sender, clientId)] = (await retry.SendGroupTextAsync(group, text, clientId)).Message;
            foreach (var ((sender, clientId), message) in acknowledgedBeforeCrash.Where(a => a.Key.Sender == i).Take(5))
            {
                var again = await retry.SendGroupTextAsync(group, attempted[(sender, clientId)], clientId);
                Assert.True(again.Duplicate);
                Assert.Equal((message.Id, message.Seq), (again.Message.Id, again.Message.Seq));
            }
        }
        foreach (var (key, message) in acknowledgedBeforeCrash)
            Assert.Equal((message.Id, message.Seq, message.Text), (acknowledged[key].Id, acknowledged[key].Seq, acknowledged[key].Text));

        // The history holds every acknowledged message exactly once, at consecutive seqs from 1.
        var history = await HistoryAfterAsync(accounts[4].Client, group, 0);
        Assert.Equal(acknowledged.Count, history.Count);
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
        Assert.Equal(
            acknowledged.Select(a => (accounts[a.Key.Sender].Number, a.Key.ClientId)).Order(),
            history.Select(m => (m.From, m.ClientId)).Order());
        foreach (var message in acknowledged.Values)
            Assert.Equal(message.Text, history[(int)message.Seq - 1].Text);

        // The reader's pc caught up from what it held live, the phone from nothing: the same messages, the same end.
        Assert.Equal(liveBeforeCrash.Count, liveBeforeCrash.Select(m => m.Seq).Distinct().Count());
        // Live frames of concurrent senders can arrive out of seq order, so a device catches up from the end of its
        // run without a gap (protocol.md §11), not from the newest seq it holds, and upserts what it gets by id.
        var held = 0L;
        foreach (var seq in liveBeforeCrash.Select(m => m.Seq).Order()) if (seq == held + 1) held = seq; else break;
        var pcView = liveBeforeCrash.Concat(await HistoryAfterAsync(accounts[4].Client, group, held)).DistinctBy(m => m.Id).ToList();
        var phoneView = await HistoryAfterAsync(readerPhone, group, 0);
        Assert.Equal(history.Select(m => m.Id), pcView.OrderBy(m => m.Seq).Select(m => m.Id));
        Assert.Equal(history.Select(m => m.Id), phoneView.Select(m => m.Id));

        // Every member's devices agree on the last seq and the unread count, which the server derives from seqs.
        var lastSeq = history[^1].Seq;
        foreach (var (rest, number) in accounts)
        {
            var summary = Assert.Single(await rest.GetMyGroupsAsync());
            Assert.Equal(lastSeq, summary.LastSeq);
            Assert.Equal(summary.LastSeq - summary.ReadSeq, summary.Unread);
            if (number == accounts[4].Number)
            {
                Assert.Equal(lastSeq, summary.Unread); // never read, never sent
                var phone = Assert.Single(await readerPhone.GetMyGroupsAsync());
                Assert.Equal((summary.LastSeq, summary.Unread), (phone.LastSeq, phone.Unread));
            }
            else
            {
                // Sending reads the group up to one's own message: unread counts what others sent after one's last.
                var ownLast = history.Where(m => m.From == number).Max(m => m.Seq);
                Assert.Equal(lastSeq - ownLast, summary.Unread);
            }
        }

        foreach (var (rest, _) in accounts) rest.Dispose();
        readerPhone.Dispose();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }

    private static async Task<List<GroupMessage>> HistoryAfterAsync(PenguinClient client, long group, long after)
    {
        var messages = new List<GroupMessage>();
        for (var held = after; ;)
        {
            var page = await client.GetGroupHistoryAsync(group, after: held, limit: 100);
            messages.AddRange(page.Messages);
            if (!page.More || page.Messages.Length == 0) return messages;
            held = page.Messages[^1].Seq;
        }
    }
}
