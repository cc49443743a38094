using Penguin.Core.Accounts;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>
/// What every <see cref="IEventLog"/> must do, together with the stores that append to it: per-user seqs from 1
/// with no gaps, appended in the same transaction as the change they report.
/// </summary>
public abstract class EventLogContract(StorageEngine engine) : ContractBase(engine)
{
    [Fact]
    public async Task Head_NewUser_IsZeroAndTheLogIsEmpty()
    {
        var user = await NewUserAsync();

        Assert.Equal(0, await Events.HeadAsync(user));
        Assert.Empty(await Events.ReadAsync(user, 0, 100));
        Assert.Equal(0, await Events.HeadAsync(999_999_999));
    }

    [Fact]
    public async Task Append_SeveralChanges_SeqsStartAtOneAndHaveNoGaps()
    {
        var user = await NewUserAsync();
        var other = await NewUserAsync();

        await Social.CreateGroupAsync(user, "a", EventsTo<BuddyGroup[]>(user));
        await Social.CreateGroupAsync(other, "b", EventsTo<BuddyGroup[]>(other, other));
        await Social.BlockAsync(user, other, Now, EventsTo<BlockChange>(user, user, user));

        var log = await Events.ReadAsync(user, 0, 100);
        Assert.Equal([1L, 2L, 3L, 4L], log.Select(e => e.Seq));
        Assert.All(log, e => Assert.Equal(user, e.UserId));
        Assert.All(log, e => Assert.Equal(e.Seq, SeqInJson(e)));
        Assert.Equal(4, await Events.HeadAsync(user));
        Assert.Equal([1L, 2L], (await Events.ReadAsync(other, 0, 100)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Append_ReturnedEvents_AreExactlyWhatIsStored()
    {
        var user = await NewUserAsync();
        var friend = await NewUserAsync();
        var profile = new Profile(user, "企鹅", "penguin-01", null, null, null, null);

        var committed = await Accounts.UpdateUserAsync((await Accounts.GetUserAsync(user))!,
            _ => [new EventDraft(user, new ProfileUpdated(profile)), new EventDraft(friend, new ProfileUpdated(profile))]);

        var stored = (await Events.ReadAsync(user, 0, 10)).Concat(await Events.ReadAsync(friend, 0, 10)).ToArray();
        Assert.Equal(committed.Events.Select(e => (e.UserId, e.Seq, Convert.ToBase64String(e.Json))),
            stored.Select(e => (e.UserId, e.Seq, Convert.ToBase64String(e.Json))));
        Assert.All(stored, e => Assert.Equal(e.Seq, SeqInJson(e)));
    }

    [Fact]
    public async Task Append_CallbackFails_NeitherTheChangeNorAnyEventIsStored()
    {
        var user = await NewUserAsync("before");
        var other = await NewUserAsync();
        var record = (await Accounts.GetUserAsync(user))!;

        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () =>
            await Accounts.UpdateUserAsync(record with { Nickname = "after" }, _ => Throwing(user, other)));

        Assert.Equal("before", (await Accounts.GetUserAsync(user))!.Nickname);
        Assert.Equal(0, await Events.HeadAsync(user));
        Assert.Empty(await Events.ReadAsync(user, 0, 10));

        // The seqs that rolled back are handed out again: the log stays gapless.
        var committed = await Accounts.UpdateUserAsync(record, EventsTo<UserRecord>(user));
        Assert.Equal(1, Assert.Single(committed.Events).Seq);

        static IEnumerable<EventDraft> Throwing(long user, long other)
        {
            yield return new EventDraft(user, new FriendRemoved(other));
            yield return new EventDraft(other, new FriendRemoved(user));
            throw new InvalidOperationException("the callback failed after two events");
        }
    }

    [Fact]
    public async Task Append_EventForAnUnknownUser_FailsAndStoresNothing()
    {
        var user = await NewUserAsync();

        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () =>
            await Social.CreateGroupAsync(user, "lost", EventsTo<BuddyGroup[]>(user, 999_999_999)));

        Assert.Single(await Social.GetGroupsAsync(user));
        Assert.Equal(0, await Events.HeadAsync(user));
        Assert.Empty(await Events.ReadAsync(999_999_999, 0, 10));
    }

    [Fact]
    public async Task ReadAsync_AfterAndLimit_PagesThroughTheLog()
    {
        var user = await NewUserAsync();
        await Social.BlockAsync(user, await NewUserAsync(), Now, EventsTo<BlockChange>(user, user, user, user, user, user, user));

        var first = await Events.ReadAsync(user, 0, 3);
        var second = await Events.ReadAsync(user, first[^1].Seq, 3);
        var last = await Events.ReadAsync(user, second[^1].Seq, 3);

        Assert.Equal([1L, 2L, 3L], first.Select(e => e.Seq));
        Assert.Equal([4L, 5L, 6L], second.Select(e => e.Seq));
        Assert.Equal([7L], last.Select(e => e.Seq));
        Assert.Empty(await Events.ReadAsync(user, 7, 3));
        Assert.Equal([6L, 7L], (await Events.ReadAsync(user, 5, 100)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Append_ConcurrentWritesForOneUser_SeqsStayGaplessAndUnique()
    {
        var user = await NewUserAsync();
        var record = (await Accounts.GetUserAsync(user))!;
        var others = new long[8];
        for (var i = 0; i < others.Length; i++) others[i] = await NewUserAsync();

        // Both kinds of write, from many callers at once, each appending to the same user's log.
        var writes = Enumerable.Range(0, 24).Select(async i =>
        {
            if (i % 3 == 0) await Accounts.UpdateUserAsync(record, EventsTo<UserRecord>(user, user));
            else await Social.BlockAsync(others[i % others.Length], user, Now, EventsTo<BlockChange>(user, others[i % others.Length]));
        });
        await Task.WhenAll(writes);

        var log = await Events.ReadAsync(user, 0, 1000);
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), log.Select(e => e.Seq));
        Assert.Equal(32, await Events.HeadAsync(user));
    }

    [Fact]
    public async Task Append_ConcurrentWritesWithCrossedRecipients_AllCommitGapless()
    {
        // Two friends change their profiles at once, each telling both of them, in opposite orders.
        var a = await NewUserAsync();
        var b = await NewUserAsync();
        var recordA = (await Accounts.GetUserAsync(a))!;
        var recordB = (await Accounts.GetUserAsync(b))!;

        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            if (i % 2 == 0) await Accounts.UpdateUserAsync(recordA, EventsTo<UserRecord>(a, b));
            else await Accounts.UpdateUserAsync(recordB, EventsTo<UserRecord>(b, a));
        }));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), (await Events.ReadAsync(a, 0, 100)).Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), (await Events.ReadAsync(b, 0, 100)).Select(e => e.Seq));
    }
}
