using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

public sealed class MessagingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(User Alice, User Bob)> FriendsAsync()
    {
        var alice = await Server.RegisterAsync("alice");
        var bob = await Server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        return (alice, bob);
    }

    [Fact]
    public async Task Send_ToOnlineFriend_MovesFromSentToDeliveredToRead_OnEverySenderDevice()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var alicePc = await alice.ConnectAsync();
        var (_, alicePhone) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var bobLive = await bob.ConnectAsync();

        var sent = await alicePc.SendTextAsync(bob.Number, "你好，Bob 👋");

        Assert.False(sent.Duplicate);
        Assert.Equal((alice.Number, bob.Number, 1L, "你好，Bob 👋"), (sent.Message.From, sent.Message.To, sent.Message.Seq, sent.Message.Text));
        var received = await bobLive.WaitForAsync<MessageReceived>();
        Assert.Equal(sent.Message, received.Message);
        // The phone shows the message as sent by alice herself.
        Assert.Equal(sent.Message, (await alicePhone.WaitForAsync<MessageReceived>()).Message);

        // Bob's device acknowledged it: delivered, on both of alice's devices.
        foreach (var device in new[] { alicePc, alicePhone })
        {
            var delivered = await device.WaitForAsync<MessageReceipt>(r => r.DeliveredSeq == 1);
            Assert.Equal((bob.Number, 0L), (delivered.Peer, delivered.ReadSeq));
        }

        await bobLive.MarkReadAsync(alice.Number, received.Message.Seq);

        foreach (var device in new[] { alicePc, alicePhone })
            Assert.Equal(bob.Number, (await device.WaitForAsync<MessageReceipt>(r => r.ReadSeq == 1)).Peer);
        var aliceView = Assert.Single(await alice.Rest.GetConversationsAsync());
        Assert.Equal((1L, 1L), (aliceView.PeerDeliveredSeq, aliceView.PeerReadSeq));
    }

    [Fact]
    public async Task Send_ToOfflineFriend_EveryDeviceGetsEverythingMissedInOrderExactlyOnce()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var (bobPhoneClient, bobPhone) = await bob.AddDeviceAsync(DeviceKind.Mobile);
        var bobPcLive = await bob.ConnectAsync();
        await bobPhone.PingAsync();
        var cursors = (Pc: bobPcLive.LastSeq, Phone: bobPhone.LastSeq);
        await bobPcLive.CloseAsync();
        await bobPhone.CloseAsync();
        var aliceLive = await alice.ConnectAsync();

        var sent = new List<Message>();
        foreach (var text in new[] { "一", "二", "三", "four", "五 🐧" })
            sent.Add((await aliceLive.SendTextAsync(bob.Number, text)).Message);

        var pc = await bob.ConnectAsync(since: cursors.Pc);
        var phone = await bobPhoneClient.ConnectAsync(since: cursors.Phone);
        foreach (var device in new[] { pc, phone })
        {
            await device.PingAsync(); // the reply queues behind the catch-up
            await device.SyncAsync(device.LastSeq); // a sync from the cursor must not repeat anything
            var messages = device.TakeEvents().OfType<MessageReceived>().Select(m => m.Message).ToArray();
            Assert.Equal(sent, messages);
        }
        Assert.Equal(5, (await aliceLive.WaitForAsync<MessageReceipt>(r => r.DeliveredSeq == 5)).DeliveredSeq);
    }

    /// <summary>
    /// Several senders commit concurrently and their deliveries reach the recipient's connection in any order: an event
    /// ahead of an earlier one makes the connection fill the gap from the log. Nothing may be dropped or repeated.
    /// </summary>
    [Fact]
    public async Task LiveDelivery_ManySendersToOneRecipient_ArrivesGaplessInOrderExactlyOnce()
    {
        await using var bob = await Server.RegisterAsync("bob");
        var senders = new List<User>();
        for (var i = 0; i < 4; i++)
        {
            var sender = await Server.RegisterAsync("sender" + i);
            await sender.BefriendAsync(bob);
            senders.Add(sender);
        }
        try
        {
            var bobLive = await bob.ConnectAsync();
            var connections = await Task.WhenAll(senders.Select(s => s.ConnectAsync()));
            await bobLive.PingAsync();
            var start = bobLive.LastSeq;
            var received = bobLive.TakeEvents().OfType<DurableEvent>().Where(e => e.Seq > start).ToList();

            var sent = await Task.WhenAll(connections.Select(async c =>
            {
                var ids = new List<long>();
                for (var j = 0; j < 25; j++) ids.Add((await c.SendTextAsync(bob.Number, "消息 " + j)).Message.Id);
                return ids;
            }));
            var expected = sent.SelectMany(ids => ids).ToHashSet();
            for (var i = 0; i < 300 && received.OfType<MessageReceived>().Count() < expected.Count; i++)
            {
                await bobLive.PingAsync();
                received.AddRange(bobLive.TakeEvents().OfType<DurableEvent>());
            }

            Assert.Equal(Enumerable.Range(1, received.Count).Select(i => start + i), received.Select(e => e.Seq));
            Assert.Equal(expected.Order(), received.OfType<MessageReceived>().Select(m => m.Message.Id).Order());
        }
        finally
        {
            foreach (var sender in senders) await sender.DisposeAsync();
        }
    }

    [Fact]
    public async Task Read_OnOneDevice_ClearsUnreadOnTheOthers()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobPc = await bob.ConnectAsync();
        var (bobPhoneClient, bobPhone) = await bob.AddDeviceAsync(DeviceKind.Mobile);
        for (var i = 1; i <= 3; i++) await aliceLive.SendTextAsync(bob.Number, $"message {i}");
        Assert.Equal(3, Assert.Single(await bobPhoneClient.GetConversationsAsync()).Unread);

        await bobPc.MarkReadAsync(alice.Number, 3);

        var read = await bobPhone.WaitForAsync<ConversationRead>();
        Assert.Equal((alice.Number, 3L), (read.Peer, read.ReadSeq));
        Assert.Equal(0, Assert.Single(await bobPhoneClient.GetConversationsAsync()).Unread);
        Assert.Equal(0, Assert.Single(await bob.Rest.GetConversationsAsync()).Unread);

        // Reading backwards or past the end changes nothing.
        await bobPc.MarkReadAsync(alice.Number, 1);
        await bobPc.MarkReadAsync(alice.Number, 99);
        Assert.Equal(3, Assert.Single(await bob.Rest.GetConversationsAsync()).ReadSeq);
    }

    [Fact]
    public async Task ConversationList_IsSortedByRecency_WithLastMessageAndUnread()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var bob = await Server.RegisterAsync("bob");
        await using var carol = await Server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await alice.BefriendAsync(carol);
        var bobLive = await bob.ConnectAsync();
        var carolLive = await carol.ConnectAsync();

        await bobLive.SendTextAsync(alice.Number, "from bob");
        await carolLive.SendTextAsync(alice.Number, "from carol 1");
        await carolLive.SendTextAsync(alice.Number, "from carol 2");
        await bobLive.SendTextAsync(alice.Number, "bob again");

        var list = await alice.Rest.GetConversationsAsync();
        Assert.Equal([bob.Number, carol.Number], list.Select(c => c.Peer));
        Assert.Equal(("bob again", 2L), (list[0].Last!.Text, list[0].Unread));
        Assert.Equal(("from carol 2", 2L), (list[1].Last!.Text, list[1].Unread));
        // For the senders, their own messages are not unread.
        Assert.Equal(0, Assert.Single(await carol.Rest.GetConversationsAsync()).Unread);
    }

    [Fact]
    public async Task History_PagesBackwards()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        for (var i = 1; i <= 7; i++) await aliceLive.SendTextAsync(bob.Number, $"m{i}");

        var newest = await bob.Rest.GetHistoryAsync(alice.Number, limit: 3);
        var older = await bob.Rest.GetHistoryAsync(alice.Number, before: newest.Messages[0].Seq, limit: 3);
        var oldest = await bob.Rest.GetHistoryAsync(alice.Number, before: older.Messages[0].Seq, limit: 3);

        Assert.Equal(["m5", "m6", "m7"], newest.Messages.Select(m => m.Text));
        Assert.Equal(["m2", "m3", "m4"], older.Messages.Select(m => m.Text));
        Assert.Equal(["m1"], oldest.Messages.Select(m => m.Text));
        Assert.True(newest.More);
        Assert.False(oldest.More);
    }

    [Fact]
    public async Task History_OfSomeoneElsesConversation_IsEmpty()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        await using var mallory = await Server.RegisterAsync("mallory");
        await (await alice.ConnectAsync()).SendTextAsync(bob.Number, "private");

        Assert.Empty((await mallory.Rest.GetHistoryAsync(alice.Number)).Messages);
        Assert.Empty((await mallory.Rest.GetHistoryAsync(bob.Number)).Messages);
        Assert.Empty(await mallory.Rest.SearchMessagesAsync("private") is { Messages: var found } ? found : []);
    }

    /// <summary>The two-minute window, on the server's own (virtual) clock: no test waits two minutes.</summary>
    [Fact]
    public async Task Recall_AtTheWindowsEnd_IsAllowed_AndOneMillisecondLater_Expired()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        // Nothing else is timed by this clock in the test: the heartbeat would otherwise see two silent minutes.
        await using var server = await TestServer.StartAsync(o => o.HeartbeatTimeout = TimeSpan.FromHours(1), clock);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();
        var first = (await aliceLive.SendTextAsync(bob.Number, "第一条")).Message;
        var second = (await aliceLive.SendTextAsync(bob.Number, "第二条")).Message;

        clock.Advance(Limits.RecallWindow);
        await aliceLive.RecallAsync(first.Id);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("recall_expired", (await Assert.ThrowsAsync<PenguinException>(() => aliceLive.RecallAsync(second.Id))).Error.Code);
    }

    [Fact]
    public async Task Recall_WithinTheWindow_ErasesTheTextEverywhere()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var oops = (await aliceLive.SendTextAsync(bob.Number, "秘密口令 swordfish")).Message;
        await bobLive.WaitForAsync<MessageReceived>();

        var notYours = await Assert.ThrowsAsync<PenguinException>(() => bobLive.RecallAsync(oops.Id));
        await aliceLive.RecallAsync(oops.Id);

        Assert.Equal("not_found", notYours.Error.Code);
        var recalled = await bobLive.WaitForAsync<MessageRecalled>();
        Assert.Equal((alice.Number, oops.Id, oops.Seq), (recalled.Peer, recalled.Id, recalled.MessageSeq));
        await aliceLive.WaitForAsync<MessageRecalled>();
        var inHistory = Assert.Single((await bob.Rest.GetHistoryAsync(alice.Number)).Messages);
        Assert.True(inHistory.Recalled);
        Assert.Null(inHistory.Text);
        Assert.Empty((await bob.Rest.SearchMessagesAsync("swordfish")).Messages);
        // A device syncing from the start never sees the text either.
        var fresh = await bob.ConnectAsync(since: 0);
        await fresh.PingAsync();
        var replayed = fresh.TakeEvents().OfType<MessageReceived>().Single(m => m.Message.Id == oops.Id);
        Assert.True(replayed.Message.Recalled);
        Assert.Null(replayed.Message.Text);
        Assert.Equal("request_closed", (await Assert.ThrowsAsync<PenguinException>(() => aliceLive.RecallAsync(oops.Id))).Error.Code);
    }

    [Fact]
    public async Task Delete_ForMyself_HidesItOnMyDevicesOnly()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var (_, alicePhone) = await alice.AddDeviceAsync(DeviceKind.Mobile);
        var keep = (await aliceLive.SendTextAsync(bob.Number, "keep")).Message;
        var drop = (await aliceLive.SendTextAsync(bob.Number, "drop")).Message;

        await aliceLive.DeleteMessageAsync(drop.Id);

        Assert.Equal(drop.Id, (await alicePhone.WaitForAsync<MessageDeleted>()).Id);
        Assert.Equal([keep.Id], (await alice.Rest.GetHistoryAsync(bob.Number)).Messages.Select(m => m.Id));
        Assert.Equal([keep.Id, drop.Id], (await bob.Rest.GetHistoryAsync(alice.Number)).Messages.Select(m => m.Id));
        await using var mallory = await Server.RegisterAsync("mallory");
        var malloryLive = await mallory.ConnectAsync();
        Assert.Equal("not_found", (await Assert.ThrowsAsync<PenguinException>(() => malloryLive.DeleteMessageAsync(keep.Id))).Error.Code);
    }

    [Fact]
    public async Task Typing_ReachesThePeerLive_AndIsNeverStored()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        var cursor = bobLive.LastSeq;

        await aliceLive.SetTypingAsync(bob.Number, true);

        var typing = await bobLive.WaitForAsync<TypingChanged>();
        Assert.Equal((alice.Number, true), (typing.From, typing.Active));
        Assert.Equal(cursor, (await bobLive.SyncAsync(cursor)).Seq);
    }

    [Fact]
    public async Task Typing_LeftOnByADeviceThatGoesAway_IsEndedForThePeer()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        await aliceLive.SetTypingAsync(bob.Number, true);
        Assert.True((await bobLive.WaitForAsync<TypingChanged>()).Active);
        aliceLive.Abort();

        var ended = await bobLive.WaitForAsync<TypingChanged>();
        Assert.Equal((alice.Number, false), (ended.From, ended.Active));
    }

    [Fact]
    public async Task Typing_FloodedFrames_AreDroppedBeyondTheLimit()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();
        bobLive.TakeEvents();

        for (var i = 0; i < 40; i++) await aliceLive.SetTypingAsync(bob.Number, i % 2 == 0);
        await aliceLive.SendTextAsync(bob.Number, "打完了");
        await bobLive.WaitForAsync<MessageReceived>();

        // 5 a second per user by default: a burst of 40 inside a second or two relays at most 15.
        var relayed = bobLive.TakeEvents().OfType<TypingChanged>().Count();
        Assert.InRange(relayed, 1, 15);
    }

    [Fact]
    public async Task Send_Retried_WithTheSameClientId_IsTheSameMessage()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var bobLive = await bob.ConnectAsync();

        var first = await aliceLive.SendTextAsync(bob.Number, "once", clientId: "retry-1");
        var retry = await aliceLive.SendTextAsync(bob.Number, "once", clientId: "retry-1");

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.Message, retry.Message);
        await bobLive.SyncAsync(0);
        Assert.Single(bobLive.TakeEvents().OfType<MessageReceived>().DistinctBy(m => m.Seq));
        Assert.Single((await bob.Rest.GetHistoryAsync(alice.Number)).Messages);
    }

    [Fact]
    public async Task Send_RetriedAfterABlock_IsStillAcknowledged_ButAReusedIdForOtherTextIsRefused()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var first = await aliceLive.SendTextAsync(bob.Number, "stored before the block", clientId: "c-1");
        await bob.Rest.BlockAsync(alice.Number);

        var retry = await aliceLive.SendTextAsync(bob.Number, "stored before the block", clientId: "c-1");
        var reused = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(bob.Number, "something else", clientId: "c-1"));
        var fresh = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(bob.Number, "after the block", clientId: "c-2"));

        Assert.Equal((first.Message, true), (retry.Message, retry.Duplicate));
        Assert.Equal("bad_request", reused.Error.Code);
        Assert.Equal("message_refused", fresh.Error.Code);
    }

    [Fact]
    public async Task Blocker_MessagingTheUserTheyBlocked_IsRefused_AndNothingIsStored()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var bobLive = await bob.ConnectAsync();
        await bob.Rest.BlockAsync(alice.Number);

        var refused = await Assert.ThrowsAsync<PenguinException>(() => bobLive.SendTextAsync(alice.Number, "blocked, yet writing"));

        Assert.Equal("message_refused", refused.Error.Code);
        Assert.Empty((await bob.Rest.GetHistoryAsync(alice.Number)).Messages);
        Assert.Empty((await alice.Rest.GetHistoryAsync(bob.Number)).Messages);
    }

    [Fact]
    public async Task Strangers_MayMessageOnlyWhenAllowed_AndBlockedUsersNever()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var stranger = await Server.RegisterAsync("stranger");
        var strangerLive = await stranger.ConnectAsync();

        var closed = await Assert.ThrowsAsync<PenguinException>(() => strangerLive.SendTextAsync(alice.Number, "hi?"));
        await alice.Rest.UpdateSettingsAsync(new AccountSettings(AllowStrangerMessages: true));
        var temporary = await strangerLive.SendTextAsync(alice.Number, "临时会话");
        await alice.Rest.BlockAsync(stranger.Number);
        var blocked = await Assert.ThrowsAsync<PenguinException>(() => strangerLive.SendTextAsync(alice.Number, "again"));

        Assert.Equal("message_refused", closed.Error.Code);
        Assert.Equal("临时会话", temporary.Message.Text);
        Assert.Equal(closed.Error, blocked.Error); // the block is not revealed
        Assert.Single((await alice.Rest.GetHistoryAsync(stranger.Number)).Messages);
    }

    [Fact]
    public async Task Strangers_WhoMessagedFirst_CanBeAnswered_OthersStillNot()
    {
        await using var alice = await Server.RegisterAsync("alice");
        await using var stranger = await Server.RegisterAsync("stranger");
        await using var other = await Server.RegisterAsync("other");
        await alice.Rest.UpdateSettingsAsync(new AccountSettings(AllowStrangerMessages: true));
        var strangerLive = await stranger.ConnectAsync();
        var aliceLive = await alice.ConnectAsync();
        var otherLive = await other.ConnectAsync();

        // The stranger accepts no strangers' messages, but wrote to alice first: alice may answer.
        var refusedBefore = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(stranger.Number, "你是谁？"));
        await strangerLive.SendTextAsync(alice.Number, "你好，我是陌生人");
        var reply = await aliceLive.SendTextAsync(stranger.Number, "你好！");
        var notOthers = await Assert.ThrowsAsync<PenguinException>(() => otherLive.SendTextAsync(stranger.Number, "我也来"));
        await stranger.Rest.BlockAsync(alice.Number);
        var blocked = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(stranger.Number, "还在吗？"));

        Assert.Equal("message_refused", refusedBefore.Error.Code);
        Assert.Equal("你好！", reply.Message.Text);
        Assert.Equal("message_refused", notOthers.Error.Code);
        Assert.Equal(refusedBefore.Error, blocked.Error); // a block still refuses, the same way
        Assert.Equal(2, (await stranger.Rest.GetHistoryAsync(alice.Number)).Messages.Length);
    }

    [Fact]
    public async Task Search_FindsChineseAndEnglish_InMyOwnMessagesOnly()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var aliceLive = await alice.ConnectAsync();
        await aliceLive.SendTextAsync(bob.Number, $"今天天气不错 {tag}");
        await aliceLive.SendTextAsync(bob.Number, $"Hello World {tag}");
        await aliceLive.SendTextAsync(bob.Number, "明天见");

        Assert.Equal($"今天天气不错 {tag}", Assert.Single((await bob.Rest.SearchMessagesAsync("天气不错")).Messages).Text);
        Assert.Single((await alice.Rest.SearchMessagesAsync("天气")).Messages); // two characters: below the trigram index
        Assert.Single((await alice.Rest.SearchMessagesAsync($"hello world {tag}")).Messages);
        Assert.Equal(2, (await bob.Rest.SearchMessagesAsync(tag)).Messages.Length);
        Assert.Empty((await bob.Rest.SearchMessagesAsync("\"; DROP TABLE messages; --")).Messages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    public async Task Send_InvalidText_IsRefusedAndStoresNothing(string text)
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();

        var error = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(bob.Number, text));

        Assert.Equal("invalid_message", error.Error.Code);
        Assert.Empty(await bob.Rest.GetConversationsAsync());
    }

    [Fact]
    public async Task Send_TooLong_IsRefused()
    {
        var (alice, bob) = await FriendsAsync();
        await using var _ = alice;
        await using var __ = bob;
        var aliceLive = await alice.ConnectAsync();
        var error = await Assert.ThrowsAsync<PenguinException>(() => aliceLive.SendTextAsync(bob.Number, new string('长', Limits.MessageMaxLength + 1)));
        Assert.Equal("invalid_message", error.Error.Code);
        Assert.Equal(Limits.MessageMaxLength, (await aliceLive.SendTextAsync(bob.Number, new string('长', Limits.MessageMaxLength))).Message.Text!.Length);
    }

    [Fact]
    public async Task Send_FasterThanTheRateLimit_IsRefusedClearly()
    {
        await using var server = await TestServer.StartAsync(o => o.Messaging.SendsPerSecond = 3);
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var aliceLive = await alice.ConnectAsync();

        var outcomes = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            try { await aliceLive.SendTextAsync(bob.Number, $"fast {i}"); outcomes.Add("ok"); }
            catch (PenguinException e) { outcomes.Add(e.Error.Code); }
        }

        Assert.Contains("rate_limited", outcomes);
        Assert.Equal(outcomes.Count(o => o == "ok"), (await bob.Rest.GetHistoryAsync(alice.Number)).Messages.Length);
    }

    [Fact]
    public async Task SlowConsumer_IsDisconnected_OthersAreNotStalled_AndItCatchesUpBySync()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.OutboundQueueLimit = 8;
            o.Messaging.SendsPerSecond = 100_000;
        });
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        await alice.BefriendAsync(bob);
        await alice.BefriendAsync(carol);
        var aliceLive = await alice.ConnectAsync();
        var carolLive = await carol.ConnectAsync();
        // Bob authenticates, then stops reading: his socket buffers fill and his queue overflows.
        var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(PenguinClient.WebSocketUri(server.BaseUri), CancellationToken.None);
        await stalled.SendAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"op\":\"auth\",\"id\":1,\"token\":\"{bob.Rest.Token}\"}}"), WebSocketMessageType.Text, true, default);
        await Task.Delay(200);

        var big = new string('满', Limits.MessageMaxLength);
        var sent = 0;
        for (; sent < 3000; sent++)
        {
            await aliceLive.SendTextAsync(bob.Number, big);
            if (sent % 100 == 0 && (await server.MetricAsync("penguin_sessions_online")) < 3) break;
        }
        await aliceLive.SendTextAsync(carol.Number, "still fast for carol");

        Assert.Equal("still fast for carol", (await carolLive.WaitForAsync<MessageReceived>()).Message.Text);
        Assert.True(sent < 3000, "bob's connection should have been dropped as a slow consumer");
        stalled.Abort();
        var resumed = await bob.ConnectAsync(since: 0);
        var synced = await resumed.SyncAsync(0);
        Assert.Equal(sent + 1, resumed.TakeEvents().OfType<MessageReceived>().Select(m => m.Message.Seq).Distinct().Count());
        Assert.True(synced.Seq > sent);
    }
}
