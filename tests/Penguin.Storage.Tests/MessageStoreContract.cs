using System.Text;
using System.Text.Json;
using Penguin.Core.Accounts;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>
/// What every <see cref="IMessageStore"/> must do: per-conversation seqs, idempotent sends, the message events in
/// both users' logs, delivery and read cursors, recall, delete-for-me, the conversation list, history and search.
/// </summary>
public abstract class MessageStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private static readonly TimeSpan Window = Limits.RecallWindow;

    // --- Send -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Send_SeveralPairs_SeqsCountFromOnePerPairInEitherDirection()
    {
        var alice = await NewUserAsync("alice");
        var bob = await NewUserAsync("bob");
        var carol = await NewUserAsync("carol");

        var ab1 = await SendAsync(alice, bob, "你好");
        var ba2 = await SendAsync(bob, alice, "你好呀");
        var ac1 = await SendAsync(alice, carol, "hi");
        var ab3 = await SendAsync(alice, bob, "吃了吗");
        var cb1 = await SendAsync(carol, bob, "hey");
        var ca2 = await SendAsync(carol, alice, "hello");

        Assert.Equal([1L, 2L, 3L], new[] { ab1, ba2, ab3 }.Select(m => m.Seq));
        Assert.Equal([1L, 2L], new[] { ac1, ca2 }.Select(m => m.Seq));
        Assert.Equal(1, cb1.Seq);
        Assert.Equal(6, new[] { ab1, ba2, ac1, ab3, cb1, ca2 }.Select(m => m.Id).Distinct().Count());
        Assert.Equal(new MessageRecord(ab3.Id, alice, bob, 3, ab3.ClientId, "吃了吗", Now, null), ab3);
    }

    [Fact]
    public async Task Send_SameClientIdAgain_ReturnsTheStoredMessageAsDuplicateAndAppendsNothing()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var first = await Messages.SendAsync(new NewMessage(alice, bob, "c-1", "第一次", Now), MessageEvents);
        var heads = (await Events.HeadAsync(alice), await Events.HeadAsync(bob));

        var retry = await Messages.SendAsync(new NewMessage(alice, bob, "c-1", "changed on retry", Now.AddSeconds(5)), MessageEvents);

        Assert.False(first.Value.Duplicate);
        Assert.True(retry.Value.Duplicate);
        Assert.Equal(first.Value.Message, retry.Value.Message);
        Assert.Empty(retry.Events);
        Assert.Equal(heads, (await Events.HeadAsync(alice), await Events.HeadAsync(bob)));
        Assert.Single(await Messages.HistoryAsync(bob, alice, long.MaxValue, 10));
        // The next message still gets the next seq.
        Assert.Equal(2, (await SendAsync(alice, bob, "第二条")).Seq);
    }

    [Fact]
    public async Task Send_WhoseEventsFail_LeavesNoTraceAndTheWritesAroundItStayGapless()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(alice, bob, "之前");
        var heads = (await Events.HeadAsync(alice), await Events.HeadAsync(bob));

        // Sent together, so that (in the embedded engine) they share one group commit: the failing send has
        // already appended alice's event when its second event, for a user who does not exist, throws.
        var sends = Enumerable.Range(0, 20).Select(i => Messages.SendAsync(new NewMessage(alice, bob, $"ok-{i}", $"第{i}条", Now), MessageEvents).AsTask()).ToList();
        var failing = Messages.SendAsync(new NewMessage(alice, bob, "bad", "坏的", Now),
            m => [new EventDraft(alice, new MessageReceived(m.ToWire())), new EventDraft(999_999_999, new MessageReceived(m.ToWire()))]).AsTask();
        sends.AddRange(Enumerable.Range(20, 20).Select(i => Messages.SendAsync(new NewMessage(alice, bob, $"ok-{i}", $"第{i}条", Now), MessageEvents).AsTask()));

        await Assert.ThrowsAnyAsync<Exception>(() => failing);
        var sent = await Task.WhenAll(sends);

        // Nothing of the failed send is stored; every other send has the next seqs, in both logs, without a gap.
        Assert.DoesNotContain(await Messages.HistoryAsync(bob, alice, long.MaxValue, 100), m => m.ClientId == "bad");
        Assert.Equal(Enumerable.Range(2, 40).Select(i => (long)i), sent.Select(c => c.Value.Message.Seq).Order());
        foreach (var (user, head) in new[] { (alice, heads.Item1), (bob, heads.Item2) })
        {
            var log = await Events.ReadAsync(user, head, 100);
            Assert.Equal(Enumerable.Range(1, 40).Select(i => head + i), log.Select(e => e.Seq));
            Assert.Equal(head + 40, await Events.HeadAsync(user));
        }
        Assert.Equal(42, (await SendAsync(alice, bob, "之后")).Seq);
    }

    // --- Whether the recipient accepts a send -------------------------------------------------------------

    [Fact]
    public async Task Refusal_FriendsAlwaysStrangersOnlyIfAllowedOrRepliedToAndABlockNever()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        Assert.Equal(Errors.NotFound, await Messages.RefusalAsync(alice, 999_999_999));
        Assert.Equal(Errors.MessageRefused, await Messages.RefusalAsync(alice, bob));

        // Bob wrote to alice first: she may answer (a temporary session), he still may not write to her; not once recalled.
        var hello = await SendAsync(bob, alice, "你好");
        Assert.Null(await Messages.RefusalAsync(alice, bob));
        Assert.Equal(Errors.MessageRefused, await Messages.RefusalAsync(bob, alice));
        Ok(await Messages.RecallAsync(bob, hello.Id, Now, Window, RecallEvents));
        Assert.Equal(Errors.MessageRefused, await Messages.RefusalAsync(alice, bob));

        // Bob allows strangers' messages.
        var record = (await Accounts.GetUserAsync(bob))!;
        await Accounts.UpdateUserAsync(record with { Settings = record.Settings with { AllowStrangerMessages = true } }, NoEvents<UserRecord>());
        Assert.Null(await Messages.RefusalAsync(alice, bob));

        // Friends, both ways; a block either way refuses both ways, whatever else holds.
        var carol = await NewUserAsync();
        await Social.AddFriendsAsync(alice, carol, "hi", await DefaultGroupAsync(alice), Now, NoEvents<Friendship>());
        Assert.Null(await Messages.RefusalAsync(alice, carol));
        Assert.Null(await Messages.RefusalAsync(carol, alice));
        await Social.BlockAsync(bob, alice, Now, NoEvents<BlockChange>());
        await Social.BlockAsync(carol, alice, Now, NoEvents<BlockChange>());
        foreach (var (from, to) in new[] { (alice, bob), (bob, alice), (alice, carol), (carol, alice) })
            Assert.Equal(Errors.MessageRefused, await Messages.RefusalAsync(from, to));
    }

    [Fact]
    public async Task SendIfAccepted_Refused_WritesNothingButARetryOfAnAcceptedSendIsStillAnswered()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var heads = (await Events.HeadAsync(alice), await Events.HeadAsync(bob));

        Fails(Errors.MessageRefused.Code, await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, "c-1", "陌生人", Now), MessageEvents));
        Fails(Errors.NotFound.Code, await Messages.SendIfAcceptedAsync(new NewMessage(alice, 999_999_999, "c-2", "nobody", Now), MessageEvents));
        Assert.Equal(heads, (await Events.HeadAsync(alice), await Events.HeadAsync(bob)));
        Assert.Empty(await Messages.HistoryAsync(alice, bob, long.MaxValue, 10));

        await Social.AddFriendsAsync(alice, bob, "hi", await DefaultGroupAsync(alice), Now, NoEvents<Friendship>());
        var sent = Ok(await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, "c-1", "朋友", Now), MessageEvents));
        Assert.False(sent.Value.Duplicate);
        Assert.Equal(2, sent.Events.Count);

        await Social.BlockAsync(bob, alice, Now, NoEvents<BlockChange>());
        Fails(Errors.MessageRefused.Code, await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, "c-3", "拉黑之后", Now), MessageEvents));
        var retry = Ok(await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, "c-1", "朋友", Now), MessageEvents));
        Assert.True(retry.Value.Duplicate);
        Assert.Equal(sent.Value.Message, retry.Value.Message);
        Assert.Equal(["朋友"], (await Messages.HistoryAsync(bob, alice, long.MaxValue, 10)).Select(m => m.Text));
    }

    [Fact]
    public async Task SendIfAccepted_RacingABlock_NothingIsStoredAfterTheBlock()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await Social.AddFriendsAsync(alice, bob, "hi", await DefaultGroupAsync(alice), Now, NoEvents<Friendship>());

        // Sends and the block race (in PostgreSQL also through the group commit); the block writes one event to bob's log.
        var sends = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
            await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, $"race-{i}", $"第{i}条", Now), MessageEvents))).ToList();
        await Task.Delay(5);
        var block = await Social.BlockAsync(bob, alice, Now, EventsTo<BlockChange>(bob));
        var outcomes = await Task.WhenAll(sends);

        // Every accepted send sits before the block in bob's log; every refused one stored nothing; a send after it is refused.
        var blockSeq = Assert.Single(block.Events).Seq;
        var accepted = outcomes.Where(o => o.IsOk).Select(o => o.Value).ToList();
        Assert.All(accepted, c => Assert.True(c.Events.Single(e => e.UserId == bob).Seq < blockSeq));
        Assert.All(outcomes.Where(o => !o.IsOk), o => Assert.Equal(Errors.MessageRefused.Code, o.Error!.Code));
        Assert.Equal(accepted.Count, (await Messages.HistoryAsync(bob, alice, long.MaxValue, 100)).Count);
        Fails(Errors.MessageRefused.Code, await Messages.SendIfAcceptedAsync(new NewMessage(alice, bob, "after", "之后", Now), MessageEvents));
    }

    [Fact]
    public async Task Send_SameClientIdFromAnotherSender_IsAnotherMessage()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();

        var fromAlice = await Messages.SendAsync(new NewMessage(alice, bob, "same", "from alice", Now), MessageEvents);
        var fromBob = await Messages.SendAsync(new NewMessage(bob, alice, "same", "from bob", Now), MessageEvents);

        Assert.False(fromBob.Value.Duplicate);
        Assert.NotEqual(fromAlice.Value.Message.Id, fromBob.Value.Message.Id);
        Assert.Equal([1L, 2L], new[] { fromAlice, fromBob }.Select(c => c.Value.Message.Seq));
        Assert.Equal(["from bob", "from alice"], (await Messages.HistoryAsync(alice, bob, long.MaxValue, 10)).Select(m => m.Text));
    }

    [Fact]
    public async Task Send_Always_AppendsTheMessageEventsOfBothUsersWithIt()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await Social.CreateGroupAsync(bob, "同学", EventsTo<BuddyGroup[]>(bob)); // bob's log already has one event

        var committed = await Messages.SendAsync(new NewMessage(alice, bob, "c-1", "企鹅你好", Now), MessageEvents);

        var message = committed.Value.Message;
        Assert.Equal([(bob, 2L), (alice, 1L)], committed.Events.Select(e => (e.UserId, e.Seq)));
        var stored = (await Events.ReadAsync(bob, 1, 10)).Concat(await Events.ReadAsync(alice, 0, 10)).ToArray();
        Assert.Equal(committed.Events.Select(e => (e.UserId, e.Seq, Convert.ToBase64String(e.Json))),
            stored.Select(e => (e.UserId, e.Seq, Convert.ToBase64String(e.Json))));
        Assert.All(stored, e =>
        {
            Assert.Equal(e.Seq, SeqInJson(e));
            var received = Assert.IsType<MessageReceived>(Parse(e));
            Assert.Equal(message.ToWire(), received.Message);
        });
    }

    [Fact]
    public async Task Send_Always_ReadsTheConversationUpToItForTheSender()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(bob, alice, "一");
        await SendAsync(bob, alice, "二");

        await SendAsync(alice, bob, "三");

        var mine = Assert.Single(await Messages.ListConversationsAsync(alice, 10));
        Assert.Equal((3L, 3L), (mine.LastSeq, mine.ReadSeq));
        var theirs = Assert.Single(await Messages.ListConversationsAsync(bob, 10));
        Assert.Equal((2L, 3L, 3L), (theirs.ReadSeq, theirs.PeerDeliveredSeq, theirs.PeerReadSeq));
    }

    [Fact]
    public async Task Send_ConcurrentlyInOnePair_SeqsAreGaplessAndEveryEventIsStored()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();

        var sent = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Messages.SendAsync(new NewMessage(i % 2 == 0 ? alice : bob, i % 2 == 0 ? bob : alice, $"c-{i}", $"msg {i}", Now), MessageEvents).AsTask()));

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), sent.Select(s => s.Value.Message.Seq).Order());
        Assert.Equal(30, await Events.HeadAsync(alice));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), (await Events.ReadAsync(bob, 0, 100)).Select(e => e.Seq));
        Assert.Equal(30, Assert.Single(await Messages.ListConversationsAsync(alice, 10)).LastSeq);
    }

    [Fact]
    public async Task Send_SameClientIdConcurrently_StoresOneMessageAndTheOthersAreDuplicates()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();

        var sent = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Messages.SendAsync(new NewMessage(alice, bob, "retry", "只存一次", Now), MessageEvents).AsTask()));

        Assert.Single(sent, s => !s.Value.Duplicate);
        Assert.Single(sent.Select(s => s.Value.Message).Distinct());
        Assert.Equal(1, sent[0].Value.Message.Seq);
        Assert.Equal(2, sent.Sum(s => s.Events.Count));
        Assert.Equal(1, await Events.HeadAsync(bob));
        Assert.Single(await Messages.HistoryAsync(bob, alice, long.MaxValue, 10));
    }

    [Fact]
    public async Task Writes_ConcurrentOnCrossedPairs_AllCommitAndEveryLogStaysGapless()
    {
        // Sends both ways, acknowledgements and reads, from three users at once: every write touches two logs.
        long[] users = [await NewUserAsync(), await NewUserAsync(), await NewUserAsync()];

        await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var (a, b) = (users[i % 3], users[(i + 1 + (i / 3 % 2)) % 3]);
            switch (i % 4)
            {
                case 0 or 1: await Messages.SendAsync(new NewMessage(a, b, $"c-{i}", $"并发 {i}", Now), MessageEvents); break;
                case 2: await Messages.AcknowledgeAsync(a, long.MaxValue, ReceiptEvents); break;
                default: await Messages.MarkReadAsync(a, b, long.MaxValue, ReadEvents(a)); break;
            }
        }));

        foreach (var user in users)
        {
            var head = await Events.HeadAsync(user);
            Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), (await Events.ReadAsync(user, 0, 1000)).Select(e => e.Seq));
            foreach (var conversation in await Messages.ListConversationsAsync(user, 10))
            {
                var history = await Messages.HistoryAsync(user, conversation.PeerId, long.MaxValue, 100);
                Assert.Equal(Enumerable.Range(1, (int)conversation.LastSeq).Reverse().Select(i => (long)i), history.Select(m => m.Seq));
                Assert.InRange(conversation.ReadSeq, 0, conversation.LastSeq);
            }
        }
    }

    // --- Acknowledge ------------------------------------------------------------------------------------

    [Fact]
    public async Task Acknowledge_EventRange_DeliversOnlyTheMessagesInItOnce()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(alice, bob, "一"); // bob's event 1
        await SendAsync(alice, bob, "二"); // bob's event 2
        await Social.CreateGroupAsync(bob, "家人", EventsTo<BuddyGroup[]>(bob)); // bob's event 3
        await SendAsync(alice, bob, "三"); // bob's event 4
        var aliceHead = await Events.HeadAsync(alice);

        var acked = await Messages.AcknowledgeAsync(bob, 2, ReceiptEvents);

        Assert.Equal([new Receipt(bob, alice, 2, 0)], acked.Value);
        // The receipt goes to the sender's log with the acknowledgement.
        var toAlice = Assert.Single(acked.Events);
        Assert.Equal((alice, aliceHead + 1), (toAlice.UserId, toAlice.Seq));
        Assert.Equal(new MessageReceipt(bob, 2, 0) { Seq = aliceHead + 1 }, Parse(Assert.Single(await Events.ReadAsync(alice, aliceHead, 10))));

        var again = await Messages.AcknowledgeAsync(bob, 2, ReceiptEvents);
        Assert.Empty(again.Value);
        Assert.Empty(again.Events);
        Assert.Empty((await Messages.AcknowledgeAsync(bob, 1, ReceiptEvents)).Value); // never backwards
        Assert.Empty((await Messages.AcknowledgeAsync(bob, 3, ReceiptEvents)).Value); // event 3 is no message of alice's

        Assert.Equal([new Receipt(bob, alice, 3, 0)], (await Messages.AcknowledgeAsync(bob, 4, ReceiptEvents)).Value);
        Assert.Equal(3, Assert.Single(await Messages.ListConversationsAsync(alice, 10)).PeerDeliveredSeq);
    }

    [Fact]
    public async Task ReceiptsAndReads_StoredEvents_ReadBackAsTheCommittedOnes()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(alice, bob, "一");
        await SendAsync(alice, bob, "二");
        var heads = (Alice: await Events.HeadAsync(alice), Bob: await Events.HeadAsync(bob));

        var acked = await Messages.AcknowledgeAsync(bob, long.MaxValue, ReceiptEvents);
        var read = await Messages.MarkReadAsync(bob, alice, 1, ReadEvents(bob));

        // What was published after the commit is what a later sync reads from the logs, byte for byte.
        var committed = acked.Events.Concat(read.Events).ToList();
        Assert.Equal(3, committed.Count);
        var stored = (await Events.ReadAsync(alice, heads.Alice, 10)).Concat(await Events.ReadAsync(bob, heads.Bob, 10));
        Assert.Equal(committed.Select(e => (e.UserId, e.Seq, Encoding.UTF8.GetString(e.Json))).Order(),
            stored.Select(e => (e.UserId, e.Seq, Encoding.UTF8.GetString(e.Json))).Order());
    }

    [Fact]
    public async Task Writes_EventsOtherThanTheUsualOnes_AreAppendedWithTheChangeInTheirOrder()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var heads = (Alice: await Events.HeadAsync(alice), Bob: await Events.HeadAsync(bob), Carol: await Events.HeadAsync(carol));

        // A send whose callback adds an event that is not the message's own (to a third user, before the others).
        var sent = await Messages.SendAsync(new NewMessage(alice, bob, "c-x", "加一个事件", Now), m =>
            [new EventDraft(carol, new ConversationRead(alice, 7)), .. MessageEvents(m)]);
        Assert.Equal([(carol, heads.Carol + 1), (bob, heads.Bob + 1), (alice, heads.Alice + 1)], sent.Events.Select(e => (e.UserId, e.Seq)));
        Assert.Equal(new ConversationRead(alice, 7) { Seq = heads.Carol + 1 }, Parse(Assert.Single(await Events.ReadAsync(carol, heads.Carol, 10))));

        // An acknowledgement and a read whose callbacks differ from the messaging service's.
        var acked = await Messages.AcknowledgeAsync(bob, long.MaxValue, receipts => receipts.Select(r => new EventDraft(r.ReaderId, new ConversationRead(r.PeerId, r.DeliveredSeq))));
        Assert.Equal([new Receipt(bob, alice, 1, 0)], acked.Value);
        Assert.Equal(new ConversationRead(alice, 1) { Seq = heads.Bob + 2 }, Parse(Assert.Single(acked.Events)));
        var read = await Messages.MarkReadAsync(bob, alice, 1, r => r is null ? [] : [new EventDraft(carol, new MessageReceipt(bob, r.DeliveredSeq, r.ReadSeq))]);
        Assert.Equal(new Receipt(bob, alice, 1, 1), read.Value);
        Assert.Equal([(carol, heads.Carol + 2)], read.Events.Select(e => (e.UserId, e.Seq)));
        Assert.Equal(new MessageReceipt(bob, 1, 1) { Seq = heads.Carol + 2 }, Parse((await Events.ReadAsync(carol, heads.Carol + 1, 10)).Single()));
        // Nothing went to alice but her own message event.
        Assert.Equal(heads.Alice + 1, await Events.HeadAsync(alice));
    }

    [Fact]
    public async Task Acknowledge_BeyondTheHead_StopsAtTheHeadSoLaterMessagesStillCount()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(alice, bob, "一"); // bob's event 1

        Assert.Equal([new Receipt(bob, alice, 1, 0)], (await Messages.AcknowledgeAsync(bob, 1_000, ReceiptEvents)).Value);

        await SendAsync(alice, bob, "二"); // bob's event 2
        Assert.Equal([new Receipt(bob, alice, 2, 0)], (await Messages.AcknowledgeAsync(bob, 2, ReceiptEvents)).Value);
        Assert.Empty((await Messages.AcknowledgeAsync(bob, 1_000, ReceiptEvents)).Value);
    }

    [Fact]
    public async Task Acknowledge_SeveralConversations_ReceiptsOnlyForThoseThatMoved()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        await SendAsync(alice, bob, "一"); // bob's event 1
        await SendAsync(carol, bob, "一"); // bob's event 2
        await SendAsync(carol, bob, "二"); // bob's event 3
        await SendAsync(bob, alice, "回复"); // bob's event 4: his own message, and reading alice's up to it
        var carolHead = await Events.HeadAsync(carol);

        var acked = await Messages.AcknowledgeAsync(bob, 4, ReceiptEvents);

        Assert.Equal([new Receipt(bob, carol, 2, 0)], acked.Value);
        Assert.Equal([carol], acked.Events.Select(e => e.UserId));
        Assert.Equal(carolHead + 1, await Events.HeadAsync(carol));
    }

    [Fact]
    public async Task Acknowledge_NothingNew_ReturnsNothing()
    {
        var bob = await NewUserAsync();

        Assert.Empty((await Messages.AcknowledgeAsync(bob, 0, ReceiptEvents)).Value);
        Assert.Empty((await Messages.AcknowledgeAsync(bob, 5, ReceiptEvents)).Value);
        Assert.Empty((await Messages.AcknowledgeAsync(999_999_999, 5, ReceiptEvents)).Value);
        Assert.Equal(0, await Events.HeadAsync(bob));
    }

    // --- Mark read --------------------------------------------------------------------------------------

    [Fact]
    public async Task MarkRead_Forward_MovesTheCursorAndDeliveredWithIt()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        for (var i = 0; i < 4; i++) await SendAsync(alice, bob, $"第{i}条");
        var heads = (await Events.HeadAsync(alice), await Events.HeadAsync(bob));

        var read = await Messages.MarkReadAsync(bob, alice, 2, ReadEvents(bob));

        Assert.Equal(new Receipt(bob, alice, 2, 2), read.Value);
        Assert.Equal([(bob, heads.Item2 + 1), (alice, heads.Item1 + 1)], read.Events.Select(e => (e.UserId, e.Seq)));
        var conversation = Assert.Single(await Messages.ListConversationsAsync(bob, 10));
        Assert.Equal((4L, 2L), (conversation.LastSeq, conversation.ReadSeq));
        var senderSide = Assert.Single(await Messages.ListConversationsAsync(alice, 10));
        Assert.Equal((2L, 2L), (senderSide.PeerDeliveredSeq, senderSide.PeerReadSeq));
    }

    [Fact]
    public async Task MarkRead_BackwardsOrSame_ReturnsNullAndAppendsNothing()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        for (var i = 0; i < 3; i++) await SendAsync(alice, bob, $"第{i}条");
        await Messages.MarkReadAsync(bob, alice, 2, ReadEvents(bob));
        var head = await Events.HeadAsync(bob);

        var same = await Messages.MarkReadAsync(bob, alice, 2, ReadEvents(bob));
        var back = await Messages.MarkReadAsync(bob, alice, 1, ReadEvents(bob));

        Assert.Null(same.Value);
        Assert.Empty(same.Events);
        Assert.Null(back.Value);
        Assert.Equal(head, await Events.HeadAsync(bob));
        Assert.Equal(2, Assert.Single(await Messages.ListConversationsAsync(bob, 10)).ReadSeq);
    }

    [Fact]
    public async Task MarkRead_PastTheLastMessage_IsClampedAndThenNothingMoves()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        await SendAsync(alice, bob, "一");
        await SendAsync(alice, bob, "二");

        Assert.Equal(new Receipt(bob, alice, 2, 2), (await Messages.MarkReadAsync(bob, alice, 1_000, ReadEvents(bob))).Value);
        Assert.Null((await Messages.MarkReadAsync(bob, alice, 1_000, ReadEvents(bob))).Value);

        await SendAsync(alice, bob, "三");
        Assert.Equal(new Receipt(bob, alice, 3, 3), (await Messages.MarkReadAsync(bob, alice, 3, ReadEvents(bob))).Value);
    }

    [Fact]
    public async Task MarkRead_NoSuchConversation_ReturnsNull()
    {
        var alice = await NewUserAsync();
        var stranger = await NewUserAsync();

        var read = await Messages.MarkReadAsync(alice, stranger, 1, ReadEvents(alice));

        Assert.Null(read.Value);
        Assert.Empty(read.Events);
        Assert.Null((await Messages.MarkReadAsync(alice, 999_999_999, 1, ReadEvents(alice))).Value);
        Assert.Empty(await Messages.ListConversationsAsync(alice, 10));
    }

    // --- Recall -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Recall_BySenderInTime_ErasesTheTextEverywhereAndAppendsRecallEvents()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var secret = "secretword 秘密口令 " + Tag();
        var sent = await Messages.SendAsync(new NewMessage(alice, bob, "c-1", secret, Now), MessageEvents);
        var kept = await SendAsync(bob, alice, "这条留着 secretword");
        var heads = (await Events.HeadAsync(alice), await Events.HeadAsync(bob));

        var recalled = Ok(await Messages.RecallAsync(alice, sent.Value.Message.Id, Now + Window, Window, RecallEvents));

        Assert.Equal(sent.Value.Message with { Text = null, RecalledAt = Now + Window }, recalled.Value);
        Assert.Equal([(alice, heads.Item1 + 1), (bob, heads.Item2 + 1)], recalled.Events.Select(e => (e.UserId, e.Seq)));
        Assert.Equal(new MessageRecalled(bob, recalled.Value.Id, 1) { Seq = heads.Item1 + 1 }, Parse(recalled.Events[0]));

        // Gone from history and search, on both sides.
        foreach (var (user, peer) in new[] { (alice, bob), (bob, alice) })
        {
            var history = await Messages.HistoryAsync(user, peer, long.MaxValue, 10);
            Assert.Equal([kept.Id, recalled.Value.Id], history.Select(m => m.Id));
            Assert.Null(history[1].Text);
            Assert.NotNull(history[1].RecalledAt);
            Assert.Equal([kept.Id], (await Messages.SearchAsync(user, "secretword", 10)).Select(m => m.Id));
            Assert.Empty(await Messages.SearchAsync(user, "秘密口令", 10));
            Assert.Empty(await Messages.SearchAsync(user, "秘密", 10));
        }

        // Gone from the two stored message events too, which keep their seqs.
        foreach (var original in sent.Events)
        {
            var stored = Assert.Single(await Events.ReadAsync(original.UserId, original.Seq - 1, 1));
            Assert.Equal(original.Seq, stored.Seq);
            Assert.Equal(original.Seq, SeqInJson(stored));
            var text = Encoding.UTF8.GetString(stored.Json);
            Assert.DoesNotContain("secretword", text, StringComparison.Ordinal);
            Assert.DoesNotContain("秘密", text, StringComparison.Ordinal);
            var message = Assert.IsType<MessageReceived>(Parse(stored)).Message;
            Assert.Equal((sent.Value.Message.Id, (string?)null, true), (message.Id, message.Text, message.Recalled));
        }
    }

    [Fact]
    public async Task Recall_NotTheSender_IsNotFound()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var stranger = await NewUserAsync();
        var message = await SendAsync(alice, bob, "别撤我");

        Fails(Errors.NotFound.Code, await Messages.RecallAsync(bob, message.Id, Now, Window, RecallEvents));
        Fails(Errors.NotFound.Code, await Messages.RecallAsync(stranger, message.Id, Now, Window, RecallEvents));
        Fails(Errors.NotFound.Code, await Messages.RecallAsync(alice, 999_999_999, Now, Window, RecallEvents));

        Assert.Equal("别撤我", (await Messages.HistoryAsync(bob, alice, long.MaxValue, 10))[0].Text);
        Assert.Equal(1, await Events.HeadAsync(bob));
    }

    [Fact]
    public async Task Recall_AfterTheWindow_IsExpiredAndChangesNothing()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var message = await SendAsync(alice, bob, "太晚了");

        Fails(Errors.RecallExpired.Code,
            await Messages.RecallAsync(alice, message.Id, Now + Window + TimeSpan.FromMilliseconds(1), Window, RecallEvents));

        Assert.Equal(message, (await Messages.HistoryAsync(alice, bob, long.MaxValue, 10))[0]);
        Assert.Single(await Messages.SearchAsync(bob, "太晚了", 10));
        Assert.Equal((1L, 1L), (await Events.HeadAsync(alice), await Events.HeadAsync(bob)));
    }

    [Fact]
    public async Task Recall_Twice_IsRequestClosed()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var message = await SendAsync(alice, bob, "撤回两次");
        Ok(await Messages.RecallAsync(alice, message.Id, Now, Window, RecallEvents));
        var head = await Events.HeadAsync(bob);

        Fails(Errors.RequestClosed.Code, await Messages.RecallAsync(alice, message.Id, Now.AddSeconds(1), Window, RecallEvents));

        Assert.Equal(head, await Events.HeadAsync(bob));
    }

    // --- Delete for one user ----------------------------------------------------------------------------

    [Fact]
    public async Task DeleteForUser_Participant_HidesItFromTheirHistoryOnly()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var first = await SendAsync(alice, bob, "删掉这条 gone");
        var second = await SendAsync(bob, alice, "留着这条");
        var head = await Events.HeadAsync(bob);

        var deleted = Ok(await Messages.DeleteForUserAsync(bob, first.Id, EventsTo<MessageRecord>(bob)));

        Assert.Equal(first, deleted.Value);
        Assert.Equal((bob, head + 1), (Assert.Single(deleted.Events).UserId, deleted.Events[0].Seq));
        Assert.Equal([second.Id], (await Messages.HistoryAsync(bob, alice, long.MaxValue, 10)).Select(m => m.Id));
        Assert.Equal([second.Id, first.Id], (await Messages.HistoryAsync(alice, bob, long.MaxValue, 10)).Select(m => m.Id));
        Assert.Empty(await Messages.SearchAsync(bob, "gone", 10));
        Assert.Single(await Messages.SearchAsync(alice, "gone", 10));

        // A sender may hide their own message too.
        Ok(await Messages.DeleteForUserAsync(bob, second.Id, NoEvents<MessageRecord>()));
        Assert.Empty(await Messages.HistoryAsync(bob, alice, long.MaxValue, 10));
    }

    [Fact]
    public async Task DeleteForUser_TheLastMessage_ConversationListShowsTheNewestOneStillThere()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var first = await SendAsync(alice, bob, "第一条");
        var second = await SendAsync(bob, alice, "第二条");

        Ok(await Messages.DeleteForUserAsync(bob, second.Id, NoEvents<MessageRecord>()));

        var bobs = Assert.Single(await Messages.ListConversationsAsync(bob, 10));
        Assert.Equal(first, bobs.Last);
        Assert.Equal(2, bobs.LastSeq); // the conversation itself goes on: seqs and unread are the conversation's
        Assert.Equal(second, Assert.Single(await Messages.ListConversationsAsync(alice, 10)).Last);

        Ok(await Messages.DeleteForUserAsync(bob, first.Id, NoEvents<MessageRecord>()));
        Assert.Null(Assert.Single(await Messages.ListConversationsAsync(bob, 10)).Last);
    }

    [Fact]
    public async Task DeleteForUser_StrangerOrUnknownMessage_IsNotFound()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var stranger = await NewUserAsync();
        var message = await SendAsync(alice, bob, "不关你的事");

        Fails(Errors.NotFound.Code, await Messages.DeleteForUserAsync(stranger, message.Id, EventsTo<MessageRecord>(stranger)));
        Fails(Errors.NotFound.Code, await Messages.DeleteForUserAsync(alice, 999_999_999, EventsTo<MessageRecord>(alice)));

        Assert.Equal(0, await Events.HeadAsync(stranger));
        Assert.Single(await Messages.HistoryAsync(alice, bob, long.MaxValue, 10));
        Assert.Single(await Messages.HistoryAsync(bob, alice, long.MaxValue, 10));
    }

    [Fact]
    public async Task DeleteForUser_Twice_IsNotFoundTheSecondTime()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var message = await SendAsync(alice, bob, "删两次");
        Ok(await Messages.DeleteForUserAsync(alice, message.Id, EventsTo<MessageRecord>(alice)));
        var head = await Events.HeadAsync(alice);

        Fails(Errors.NotFound.Code, await Messages.DeleteForUserAsync(alice, message.Id, EventsTo<MessageRecord>(alice)));

        Assert.Equal(head, await Events.HeadAsync(alice));
    }

    // --- Conversation list ------------------------------------------------------------------------------

    [Fact]
    public async Task ListConversations_SeveralPeers_MostRecentFirstWithLastMessageAndCursors()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var dave = await NewUserAsync();
        var withCarol = await SendAsync(alice, carol, "c1", Now);
        var withDave = await SendAsync(dave, alice, "d1", Now.AddSeconds(1));
        await SendAsync(alice, bob, "b1", Now.AddSeconds(2));
        var withBob = await SendAsync(alice, bob, "b2", Now.AddSeconds(3));
        await SendAsync(carol, dave, "not alice's", Now.AddSeconds(4));
        await Messages.AcknowledgeAsync(bob, await Events.HeadAsync(bob), NoEvents<IReadOnlyList<Receipt>>());
        await Messages.MarkReadAsync(bob, alice, 1, NoEvents<Receipt?>());

        var list = await Messages.ListConversationsAsync(alice, 10);

        // Bob received both and read one; alice has not read dave's; carol has not received alice's yet.
        Assert.Equal(
        [
            new ConversationRecord(bob, 2, 2, 2, 1, Now.AddSeconds(3), withBob),
            new ConversationRecord(dave, 1, 0, 1, 1, Now.AddSeconds(1), withDave),
            new ConversationRecord(carol, 1, 1, 0, 0, Now, withCarol),
        ], list);
        Assert.Equal([bob, dave], (await Messages.ListConversationsAsync(alice, 2)).Select(c => c.PeerId));
        Assert.Empty(await Messages.ListConversationsAsync(await NewUserAsync(), 10));
    }

    [Fact]
    public async Task ListConversations_NewMessageInAnOldConversation_MovesItToTheTop()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        // All at the same instant (one clock tick, or clocks of two nodes): the newer message still decides.
        await SendAsync(alice, bob, "1", Now);
        await SendAsync(alice, carol, "2", Now);
        await SendAsync(bob, alice, "3", Now);

        Assert.Equal([bob, carol], (await Messages.ListConversationsAsync(alice, 10)).Select(c => c.PeerId));
    }

    [Fact]
    public async Task ListConversations_LastMessageRecalled_ShowsItWithoutText()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var message = await SendAsync(alice, bob, "撤回了");
        Ok(await Messages.RecallAsync(alice, message.Id, Now, Window, RecallEvents));

        var last = Assert.Single(await Messages.ListConversationsAsync(bob, 10)).Last!;

        Assert.Equal((message.Id, (string?)null, (DateTimeOffset?)Now), (last.Id, last.Text, last.RecalledAt));
    }

    // --- History ----------------------------------------------------------------------------------------

    [Fact]
    public async Task History_Pages_NewestFirstBeforeTheSeqWithoutHiddenMessages()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var sent = new List<MessageRecord>();
        for (var i = 1; i <= 6; i++) sent.Add(await SendAsync(i % 2 == 0 ? bob : alice, i % 2 == 0 ? alice : bob, $"第{i}条"));
        await SendAsync(alice, carol, "another conversation");
        Ok(await Messages.DeleteForUserAsync(alice, sent[3].Id, NoEvents<MessageRecord>())); // seq 4

        var first = await Messages.HistoryAsync(alice, bob, long.MaxValue, 2);
        var second = await Messages.HistoryAsync(alice, bob, first[^1].Seq, 2);
        var last = await Messages.HistoryAsync(alice, bob, second[^1].Seq, 2);

        Assert.Equal([6L, 5L], first.Select(m => m.Seq));
        Assert.Equal([3L, 2L], second.Select(m => m.Seq));
        Assert.Equal([1L], last.Select(m => m.Seq));
        Assert.Equal(sent[4], first[1]);
        Assert.Empty(await Messages.HistoryAsync(alice, bob, 1, 10));
        Assert.Equal([6L, 5L, 4L, 3L, 2L, 1L], (await Messages.HistoryAsync(bob, alice, long.MaxValue, 10)).Select(m => m.Seq));
        Assert.Equal([3L, 2L, 1L], (await Messages.HistoryAsync(bob, alice, 4, 10)).Select(m => m.Seq));
    }

    [Fact]
    public async Task History_NotAParticipant_IsEmpty()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var stranger = await NewUserAsync();
        await SendAsync(alice, bob, "私聊");

        Assert.Empty(await Messages.HistoryAsync(stranger, bob, long.MaxValue, 10));
        Assert.Empty(await Messages.HistoryAsync(stranger, alice, long.MaxValue, 10));
        Assert.Empty(await Messages.HistoryAsync(alice, stranger, long.MaxValue, 10));
    }

    // --- Search -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Search_ChineseSubstrings_TwoAndMoreCharacters()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var swim = await SendAsync(alice, bob, "小企鹅今天去游泳了");
        var fly = await SendAsync(bob, alice, "企鹅不会飞");
        await SendAsync(alice, bob, "北极熊");

        Assert.Equal([fly.Id, swim.Id], (await Messages.SearchAsync(alice, "企鹅", 10)).Select(m => m.Id));
        Assert.Equal([swim.Id], (await Messages.SearchAsync(bob, "去游泳", 10)).Select(m => m.Id));
        Assert.Equal([swim.Id], (await Messages.SearchAsync(bob, "企鹅今天去", 10)).Select(m => m.Id));
        Assert.Equal([fly.Id], (await Messages.SearchAsync(bob, "会", 10)).Select(m => m.Id));
        Assert.Empty(await Messages.SearchAsync(alice, "企鹅会飞", 10));
        Assert.Equal([fly.Id], (await Messages.SearchAsync(alice, "企鹅", 1)).Select(m => m.Id));
    }

    [Fact]
    public async Task Search_RecallAfterTheMessageWasFound_RemovesItFromTheIndex()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var word = "冰山" + Tag();
        var early = await SendAsync(alice, bob, $"{word} 第一条");
        Assert.Equal([early.Id], await IdsAsync(bob, word));

        var late = await SendAsync(alice, bob, $"{word} 第二条");
        Ok(await Messages.RecallAsync(alice, early.Id, Now, Window, RecallEvents));
        Ok(await Messages.RecallAsync(alice, late.Id, Now, Window, RecallEvents));
        var kept = await SendAsync(bob, alice, $"{word} 第三条");

        Assert.Equal([kept.Id], await IdsAsync(alice, word));
        Assert.Equal([kept.Id], await IdsAsync(bob, word));
    }

    [Fact]
    public async Task Search_LatinText_IgnoresCase()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var hello = await SendAsync(alice, bob, "Hello Penguin World");

        foreach (var query in new[] { "hello", "HELLO", "pEnGuIn", "lo pen", "WO", "o" })
            Assert.Equal([hello.Id], (await Messages.SearchAsync(bob, query, 10)).Select(m => m.Id));
        Assert.Empty(await Messages.SearchAsync(bob, "penguins", 10));
    }

    [Fact]
    public async Task Search_WildcardsAndQuotes_AreTakenLiterally()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var percent = await SendAsync(alice, bob, "我 100% 确定");
        await SendAsync(alice, bob, "我 1000 确定");
        var underscore = await SendAsync(alice, bob, "file_name.txt");
        await SendAsync(alice, bob, "filexname.txt");
        var quoted = await SendAsync(alice, bob, "他说\"你好\"然后走了");
        await SendAsync(alice, bob, "他说你好然后走了");
        var star = await SendAsync(alice, bob, "rating: 5* stars");
        await SendAsync(alice, bob, "rating: 55 stars");
        var backslash = await SendAsync(alice, bob, @"C:\temp\x");

        Assert.Equal([percent.Id], await IdsAsync(bob, "0%"));
        Assert.Equal([percent.Id], await IdsAsync(bob, "100%"));
        Assert.Equal([percent.Id], await IdsAsync(bob, "%"));
        Assert.Equal([underscore.Id], await IdsAsync(bob, "_n"));
        Assert.Equal([underscore.Id], await IdsAsync(bob, "file_name"));
        Assert.Equal([underscore.Id], await IdsAsync(bob, "_"));
        Assert.Equal([quoted.Id], await IdsAsync(bob, "\"你"));
        Assert.Equal([quoted.Id], await IdsAsync(bob, "\"你好\""));
        Assert.Equal([star.Id], await IdsAsync(bob, "5*"));
        Assert.Equal([star.Id], await IdsAsync(bob, "5* st"));
        Assert.Equal([backslash.Id], await IdsAsync(bob, @"\t"));
        Assert.Equal([backslash.Id], await IdsAsync(bob, @"temp\x"));
        Assert.Equal([star.Id], await IdsAsync(bob, "*"));
        Assert.Empty(await IdsAsync(bob, "NEAR(a b)"));
        Assert.Empty(await IdsAsync(bob, "a OR b"));
    }

    [Fact]
    public async Task Search_OnlyTheUsersOwnConversationsWithoutRecalledOrDeleted()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var dave = await NewUserAsync();
        var word = "企鹅" + Tag();
        var mine = await SendAsync(bob, alice, $"{word} 收到的");
        var sentByMe = await SendAsync(alice, carol, $"{word} 发出的");
        var others = await SendAsync(carol, dave, $"{word} 别人的");
        var recalled = await SendAsync(alice, bob, $"{word} 撤回的");
        var deleted = await SendAsync(carol, alice, $"{word} 删除的");
        Ok(await Messages.RecallAsync(alice, recalled.Id, Now, Window, RecallEvents));
        Ok(await Messages.DeleteForUserAsync(alice, deleted.Id, NoEvents<MessageRecord>()));

        Assert.Equal([sentByMe.Id, mine.Id], await IdsAsync(alice, word));
        Assert.Equal([sentByMe.Id, mine.Id], await IdsAsync(alice, "企鹅"));
        Assert.Equal([deleted.Id, others.Id, sentByMe.Id], await IdsAsync(carol, "企鹅"));
        Assert.Empty(await IdsAsync(await NewUserAsync(), word));
    }

    // --- Account settings -------------------------------------------------------------------------------

    [Fact]
    public async Task AllowStrangerMessages_RoundTripsThroughTheAccountStore()
    {
        var user = await NewUserAsync();
        var record = (await Accounts.GetUserAsync(user))!;
        Assert.False(record.Settings.AllowStrangerMessages);

        await Accounts.UpdateUserAsync(record with { Settings = record.Settings with { AllowStrangerMessages = true } }, NoEvents<UserRecord>());
        Assert.True((await Accounts.GetUserAsync(user))!.Settings.AllowStrangerMessages);
        Assert.True(Assert.Single(await Accounts.GetUsersAsync([user])).Settings.AllowStrangerMessages);

        await Accounts.UpdateUserAsync(record, NoEvents<UserRecord>());
        Assert.False((await Accounts.GetUserAsync(user))!.Settings.AllowStrangerMessages);
    }

    // --- Helpers ----------------------------------------------------------------------------------------

    /// <summary>What the messaging service appends for a message: the same event to the recipient and the sender.</summary>
    protected static IEnumerable<EventDraft> MessageEvents(MessageRecord m)
    {
        var received = new MessageReceived(m.ToWire());
        return [new EventDraft(m.RecipientId, received), new EventDraft(m.SenderId, received)];
    }

    protected static IEnumerable<EventDraft> ReceiptEvents(IReadOnlyList<Receipt> receipts) =>
        receipts.Select(r => new EventDraft(r.PeerId, new MessageReceipt(r.ReaderId, r.DeliveredSeq, r.ReadSeq)));

    protected static EventsFor<Receipt?> ReadEvents(long reader) => r => r is null
        ? []
        : [new EventDraft(reader, new ConversationRead(r.PeerId, r.ReadSeq)), new EventDraft(r.PeerId, new MessageReceipt(reader, r.DeliveredSeq, r.ReadSeq))];

    protected static IEnumerable<EventDraft> RecallEvents(MessageRecord m) =>
    [
        new EventDraft(m.SenderId, new MessageRecalled(m.RecipientId, m.Id, m.Seq)),
        new EventDraft(m.RecipientId, new MessageRecalled(m.SenderId, m.Id, m.Seq)),
    ];

    protected async Task<MessageRecord> SendAsync(long from, long to, string text, DateTimeOffset? at = null)
    {
        var committed = await Messages.SendAsync(new NewMessage(from, to, Guid.NewGuid().ToString("N"), text, at ?? Now), MessageEvents);
        Assert.False(committed.Value.Duplicate);
        return committed.Value.Message;
    }

    private async Task<long[]> IdsAsync(long user, string text) => [.. (await Messages.SearchAsync(user, text, 50)).Select(m => m.Id)];

    private static DurableEvent Parse(CommittedEvent e) =>
        Assert.IsAssignableFrom<DurableEvent>(JsonSerializer.Deserialize(e.Json, PenguinJson.Wire.ServerFrame));
}
