using System.Collections.Concurrent;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>Acknowledged means stored: proven by killing the server process in the middle of a load.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task Kill9_DuringLoad_LosesNoAcknowledgedMessage_DuplicatesNone_AndDevicesConverge()
    {
        var data = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));
        using var server = new ServerProcess(data);
        await server.StartAsync();
        using var alice = new PenguinClient(server.BaseUri);
        using var bob = new PenguinClient(server.BaseUri);
        var aliceNumber = await alice.RegisterAsync("alice", User.Password);
        var bobNumber = await bob.RegisterAsync("bob", User.Password);
        await alice.LoginAsync(aliceNumber, User.Password, DeviceKind.Pc);
        var bobTokens = new List<(PenguinClient Client, DeviceKind Kind)>();
        foreach (var kind in new[] { DeviceKind.Pc, DeviceKind.Mobile, DeviceKind.Web })
        {
            var device = new PenguinClient(server.BaseUri);
            await device.LoginAsync(bobNumber, User.Password, kind);
            bobTokens.Add((device, kind));
        }
        await bobTokens[0].Client.UpdateSettingsAsync(new AccountSettings(AddPolicy.Anyone));
        await alice.SendFriendRequestAsync(bobNumber, "hi");

        // Bob's pc and web are online during the load; his phone is offline throughout.
        var seen = new ConcurrentDictionary<DeviceKind, List<DurableEvent>>();
        var pc = await bobTokens[0].Client.ConnectAsync(since: 0);
        var web = await bobTokens[2].Client.ConnectAsync(since: 0);
        var sender = await alice.ConnectAsync();

        var acknowledged = new ConcurrentDictionary<string, Message>();
        var attempted = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 8).Select(lane => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var clientId = $"lane{lane}-{i}";
                var text = $"消息 {lane}/{i}";
                attempted[clientId] = text;
                try
                {
                    acknowledged[clientId] = (await sender.SendTextAsync(bobNumber, text, clientId)).Message;
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
        await Task.WhenAll(senders);
        var acknowledgedBeforeCrash = acknowledged.ToDictionary();
        seen[DeviceKind.Pc] = [.. pc.TakeEvents().OfType<DurableEvent>()];
        seen[DeviceKind.Web] = [.. web.TakeEvents().OfType<DurableEvent>()];
        var cursors = (Pc: pc.LastSeq, Web: web.LastSeq);
        await pc.DisposeAsync();
        await web.DisposeAsync();
        await sender.DisposeAsync();

        await server.StartAsync();

        // Alice retries every send whose outcome she never learned, with the same client id.
        var retry = await alice.ConnectAsync();
        foreach (var (clientId, text) in attempted.Where(a => !acknowledgedBeforeCrash.ContainsKey(a.Key)))
            acknowledged[clientId] = (await retry.SendTextAsync(bobNumber, text, clientId)).Message;
        foreach (var (clientId, message) in acknowledgedBeforeCrash)
            Assert.Equal(message, acknowledged[clientId]);

        // Every device of bob catches up from its own cursor.
        var pcAgain = await bobTokens[0].Client.ConnectAsync(since: cursors.Pc);
        var phone = await bobTokens[1].Client.ConnectAsync(since: 0);
        var webAgain = await bobTokens[2].Client.ConnectAsync(since: cursors.Web);
        foreach (var (kind, device) in new[] { (DeviceKind.Pc, pcAgain), (DeviceKind.Mobile, phone), (DeviceKind.Web, webAgain) })
        {
            await device.PingAsync(); // the reply queues behind the catch-up: everything missed has arrived
            seen.GetOrAdd(kind, _ => []).AddRange(device.TakeEvents().OfType<DurableEvent>());
        }

        var history = new List<Message>();
        for (long? before = null; ;)
        {
            var page = await bobTokens[0].Client.GetHistoryAsync(aliceNumber, before, 100);
            history.InsertRange(0, page.Messages);
            if (!page.More) break;
            before = page.Messages[0].Seq;
        }
        Assert.Equal(acknowledged.Count, history.Count);
        Assert.Equal(acknowledged.Keys.Order(), history.Select(m => m.ClientId).Order());
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
        foreach (var (kind, events) in seen)
        {
            Assert.Equal(events.Count, events.Select(e => e.Seq).Distinct().Count()); // exactly once
            Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq)); // in order
            var messages = events.OfType<MessageReceived>().Select(m => m.Message).ToArray();
            Assert.Equal(history, messages);
        }
        foreach (var (client, _) in bobTokens) client.Dispose();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }
}
