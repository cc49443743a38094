using Penguin.Bus.RabbitMq;

namespace Penguin.Bus.Tests;

/// <summary>
/// The bookkeeping behind "publish only what another node holds": who holds whom, when the view may have gaps (then
/// everything is published), and when an announcement counts as known to every node.
/// </summary>
public sealed class SessionDirectoryTests
{
    private static readonly Guid B = Guid.NewGuid(), C = Guid.NewGuid();

    [Fact]
    public void AfterAReset_EverythingIsPublished_UntilEveryLiveNodeSentItsFullSet()
    {
        var directory = new SessionDirectory();
        directory.Reset();
        Assert.True(directory.MustPublish(1));

        directory.Heard(B);
        directory.Heard(C);
        directory.Replace(B, [1]);
        directory.Settle(otherNodes: 2);
        Assert.False(directory.IsComplete); // C is alive and has not sent its set: it may hold anyone
        Assert.True(directory.MustPublish(2));

        directory.Replace(C, [3]);
        directory.Settle(otherNodes: 2);
        Assert.True(directory.IsComplete);
        Assert.True(directory.MustPublish(1));
        Assert.True(directory.MustPublish(3));
        Assert.False(directory.MustPublish(2));
    }

    [Fact]
    public void FewerNodesHeardThanCounted_IsNotComplete()
    {
        var directory = new SessionDirectory();
        directory.Reset();
        directory.Heard(B);
        directory.Replace(B, [1]);

        directory.Settle(otherNodes: 2); // a node counted that has said nothing yet
        Assert.False(directory.IsComplete);
        directory.Settle(otherNodes: int.MaxValue); // the count failed
        Assert.False(directory.IsComplete);
    }

    [Fact]
    public void AUserHeldByTwoNodes_IsPublishedUntilBothLetGo_AndAForgottenNodesUsersAreDropped()
    {
        var directory = Complete();
        directory.Add(B, [7]);
        directory.Add(C, [7, 8]);
        directory.Add(C, [7]); // announced twice: still one holder

        directory.Remove(B, [7]);
        Assert.True(directory.MustPublish(7));
        directory.Remove(C, [7]);
        Assert.False(directory.MustPublish(7));
        Assert.True(directory.MustPublish(8));

        directory.Forget(C);
        Assert.False(directory.MustPublish(8));
    }

    [Fact]
    public void AFullSet_ReplacesWhatTheNodeHeldBefore()
    {
        var directory = Complete();
        directory.Add(B, [1, 2]);
        directory.Replace(B, [2, 3]);

        Assert.False(directory.MustPublish(1));
        Assert.True(directory.MustPublish(2));
        Assert.True(directory.MustPublish(3));
    }

    [Fact]
    public async Task AnAnnouncement_CompletesOnlyWhenEveryLiveNodeAppliedIt()
    {
        var directory = Complete();
        directory.Heard(B);
        directory.Heard(C);
        var announced = directory.AnnouncedAsync(seq: 5, users: [42], otherNodes: 2, TimeSpan.FromSeconds(30));

        directory.Applied(B, 5);
        directory.Applied(C, 4); // an older announcement only
        directory.Settle(otherNodes: 2);
        Assert.False(announced.IsCompleted);

        directory.Applied(C, 6); // a later one covers it
        Assert.Empty(directory.Settle(otherNodes: 2));
        await announced.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, directory.PendingCount);
    }

    [Fact]
    public async Task AnAnnouncementAppliedAfterItsTimeout_ReturnsItsUsersToReadTheLogAgain()
    {
        var directory = Complete();
        directory.Heard(B);
        var announced = directory.AnnouncedAsync(seq: 1, users: [42, 43], otherNodes: 1, TimeSpan.FromMilliseconds(50));

        await Task.Delay(100);
        Assert.Empty(directory.Settle(otherNodes: 1)); // timed out: the waiter goes on without B
        await announced.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, directory.PendingCount);

        directory.Applied(B, 1);
        Assert.Equal([42L, 43L], directory.Settle(otherNodes: 1));
        Assert.Equal(0, directory.PendingCount);
    }

    [Fact]
    public async Task AloneOrWithEveryNodeAhead_AnAnnouncementCompletesAtOnce()
    {
        var directory = Complete();
        await directory.AnnouncedAsync(seq: 1, users: [1], otherNodes: 0, TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(1));

        directory.Heard(B);
        directory.Applied(B, 9);
        await directory.AnnouncedAsync(seq: 2, users: [1], otherNodes: 1, TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Messages_RoundTrip_AndMalformedOnesAreRefused()
    {
        var origin = Guid.NewGuid();
        long[] users = [1, long.MaxValue, 20_000_000_001];
        var body = DirectoryMessage.Encode(DirectoryKind.Snapshot, origin, seq: 17, ack: 4, users);

        Assert.True(DirectoryMessage.Is(body));
        Assert.True(DirectoryMessage.TryDecode(body, out var kind, out var decodedOrigin, out var seq, out var ack, out var decodedUsers));
        Assert.Equal((DirectoryKind.Snapshot, origin, 17L, 4L), (kind, decodedOrigin, seq, ack));
        Assert.Equal(users, decodedUsers);

        Assert.False(DirectoryMessage.TryDecode(body.AsSpan(0, body.Length - 3), out _, out _, out _, out _, out _)); // torn
        var unknownKind = (byte[])body.Clone();
        unknownKind[1] = 99;
        Assert.False(DirectoryMessage.TryDecode(unknownKind, out _, out _, out _, out _, out _));
        var wrongCount = (byte[])body.Clone();
        wrongCount[34] = 200;
        Assert.False(DirectoryMessage.TryDecode(wrongCount, out _, out _, out _, out _, out _));
        // A delivery envelope is never taken for a directory message, nor the other way round.
        Assert.False(DirectoryMessage.Is(DeliveryEnvelope.Encode(new Core.Bus.Delivery([1], 1), origin)));
        Assert.False(DeliveryEnvelope.TryDecode(body, out _, out _, out _));
    }

    [Fact]
    public void ABatch_RoundTripsItsEnvelopesInOrder_AndOneThatDoesNotAddUpIsRefused()
    {
        var origin = Guid.NewGuid();
        byte[][] envelopes =
        [
            DeliveryEnvelope.Encode(new Core.Bus.Delivery([1, 2], Seq: 1), origin, [10, 11]),
            DeliveryEnvelope.Encode(new Core.Bus.Delivery([], Seq: 2, EndSession: true), origin, [12]),
        ];
        var body = DeliveryBatch.Encode(envelopes);

        Assert.True(DeliveryBatch.Is(body));
        Assert.True(DeliveryBatch.TryRead(body, out var read));
        Assert.Equal([1L, 2L], read.Select(e => e.Delivery.Seq));
        Assert.Equal([10L, 11L], read[0].Recipients);
        Assert.Equal([1, 2], read[0].Delivery.Frame);
        Assert.True(read[1].Delivery.EndSession);
        Assert.All(read, e => Assert.Equal(origin, e.Origin));

        Assert.False(DeliveryBatch.TryRead(body.AsSpan(0, body.Length - 1), out _)); // torn
        Assert.False(DeliveryBatch.TryRead([.. body, 0], out _)); // trailing bytes
        var tooMany = (byte[])body.Clone();
        tooMany[1] = 3;
        Assert.False(DeliveryBatch.TryRead(tooMany, out _));
        Assert.False(DirectoryMessage.Is(body));
    }

    /// <summary>A directory with no other node: complete, nobody held anywhere else.</summary>
    private static SessionDirectory Complete()
    {
        var directory = new SessionDirectory();
        directory.Settle(otherNodes: 0);
        Assert.True(directory.IsComplete);
        return directory;
    }
}
