using Penguin.Load.Measurement;

namespace Penguin.Load.Tests;

public class DayGroupLedgerTests
{
    // Group 0: accounts 0, 1, 2; group 1: accounts 3, 4.
    private static DayGroupLedger Ledger() => new([[0, 1, 2], [3, 4]]);

    [Fact]
    public void Acknowledged_IsOwedToEveryOtherMember_OnceEach()
    {
        var ledger = Ledger();
        var id = DayGroupLedger.ClientId(0, 1);
        ledger.Sending(id, group: 0, from: 0, sentAt: 100);
        ledger.Acknowledge(id, seq: 1);

        Assert.Equal(2, ledger.Owed);
        Assert.Equal(2, ledger.Missing);
        Assert.Null(ledger.Receive(0, 0, 1, id, from: 0, live: true)); // the sender's own copy is no delivery
        Assert.Equal(100, ledger.Receive(1, 0, 1, id, from: 0, live: true));
        Assert.Equal(1, ledger.Missing);
        Assert.Equal(100, ledger.Receive(2, 0, 1, id, from: 0, live: false)); // caught up over REST
        Assert.Equal((0L, 2L, 1L, 1L), (ledger.Missing, ledger.Delivered, ledger.DeliveredLive, ledger.DeliveredAfterLogin));
        Assert.Empty(ledger.Failures());
    }

    [Fact]
    public void LiveCopyThenCatchUpCopy_CountsOnce_ButASecondLiveCopyIsADuplicate()
    {
        var ledger = Ledger();
        var id = DayGroupLedger.ClientId(3, 1);
        ledger.Sending(id, 1, 3, 5);
        Assert.Equal(5, ledger.Receive(4, 1, 7, id, 3, live: true)); // before the reply: counted, owed once acknowledged
        ledger.Acknowledge(id, 7);

        Assert.Null(ledger.Receive(4, 1, 7, id, 3, live: false));
        Assert.Equal(0, ledger.Duplicates);
        Assert.Null(ledger.Receive(4, 1, 7, id, 3, live: true));
        Assert.Equal((1L, 0L, 7L), (ledger.Duplicates, ledger.Missing, ledger.HeldBy(4, 1)));
        Assert.Contains(ledger.Failures(), f => f.Contains("twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Rejected_IsNotOwed_AndAnUnknownCopyIsCountedApart()
    {
        var ledger = Ledger();
        var id = DayGroupLedger.ClientId(1, 1);
        ledger.Sending(id, 0, 1, 1);
        ledger.Reject(id);

        Assert.Equal((0L, 0L, 1L, 1L), (ledger.Owed, ledger.Missing, ledger.Sent, ledger.Rejected));
        Assert.Null(ledger.Receive(0, 0, 1, id, 1, live: true));
        Assert.Equal(1, ledger.ReceivedUnacknowledged);
    }

    [Fact]
    public void Missing_FailsTheRun()
    {
        var ledger = Ledger();
        var id = DayGroupLedger.ClientId(0, 9);
        ledger.Sending(id, 0, 0, 1);
        ledger.Acknowledge(id, 3);

        Assert.Contains(ledger.Failures(), f => f.Contains("2 group deliveries", StringComparison.Ordinal));
    }
}
