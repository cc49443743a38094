using Penguin.Load.Measurement;
using Penguin.Load.Reporting;
using Penguin.Load.Scenarios;
using Penguin.Protocol;

namespace Penguin.Load.Tests;

public class MessageLedgerTests
{
    [Fact]
    public void Receive_EveryAcknowledgedMessageOnce_Passes()
    {
        var ledger = new MessageLedger(2);
        for (var stream = 0; stream < 2; stream++)
            for (var i = 0; i < 3; i++)
            {
                var n = ledger.Send(stream, sentAt: 100 + i);
                ledger.Acknowledge(stream, n);
                Assert.Equal(Arrival.First, ledger.Receive(MessageLedger.ClientId(stream, n), out var sentAt));
                Assert.Equal(100 + i, sentAt);
            }

        Assert.Equal(6, ledger.Received);
        Assert.Equal(0, ledger.Missing);
        Assert.Empty(ledger.Failures());
    }

    [Fact]
    public void Missing_AcknowledgedButNeverReceived_FailsTheRun()
    {
        var ledger = new MessageLedger(1);
        var a = ledger.Send(0, 1);
        var b = ledger.Send(0, 2);
        ledger.Acknowledge(0, a);
        ledger.Acknowledge(0, b);
        ledger.Receive(MessageLedger.ClientId(0, a), out _);

        Assert.Equal(1, ledger.Missing);
        Assert.Equal([0], ledger.StreamsMissing());
        Assert.Contains("1 acknowledged messages never arrived", Assert.Single(ledger.Failures()), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_RejectedSendNeverReceived_NotOwed()
    {
        var ledger = new MessageLedger(1);
        var n = ledger.Send(0, 1);
        ledger.Reject(0, n);

        Assert.Equal(0, ledger.Missing);
        Assert.Equal(1, ledger.Rejected);
        Assert.Equal(0, ledger.Unsettled);
        Assert.Empty(ledger.Failures());
    }

    [Fact]
    public void Receive_SameMessageTwiceLive_CountedDuplicateAndFails()
    {
        var ledger = new MessageLedger(1);
        var n = ledger.Send(0, 1);
        ledger.Acknowledge(0, n);
        var id = MessageLedger.ClientId(0, n);

        Assert.Equal(Arrival.First, ledger.Receive(id, out _));
        Assert.Equal(Arrival.Duplicate, ledger.Receive(id, out _));

        Assert.Equal(1, ledger.Received);
        Assert.Equal(1, ledger.Duplicates);
        Assert.Contains("more than once", Assert.Single(ledger.Failures()), StringComparison.Ordinal);
    }

    [Fact]
    public void Receive_DuringSyncCheck_ResentIsNotDuplicateAndFirstArrivalCountsAsRecovered()
    {
        var ledger = new MessageLedger(1);
        var held = ledger.Send(0, 1);
        var lost = ledger.Send(0, 2);
        ledger.Acknowledge(0, held);
        ledger.Acknowledge(0, lost);
        ledger.Receive(MessageLedger.ClientId(0, held), out _);

        ledger.BeginSyncCheck();
        Assert.Equal(Arrival.Resent, ledger.Receive(MessageLedger.ClientId(0, held), out _));
        Assert.Equal(Arrival.First, ledger.Receive(MessageLedger.ClientId(0, lost), out _));

        Assert.Equal(0, ledger.Duplicates);
        Assert.Equal(1, ledger.Resent);
        Assert.Equal(1, ledger.ReceivedBySync);
        Assert.Empty(ledger.Failures());
    }

    [Fact]
    public void Receive_ReceivedBeforeItsAcknowledgement_StillCountsOnce()
    {
        var ledger = new MessageLedger(1);
        var n = ledger.Send(0, 1);

        ledger.Receive(MessageLedger.ClientId(0, n), out _);
        Assert.Equal(1, ledger.ReceivedUnacknowledged);
        ledger.Acknowledge(0, n);

        Assert.Equal(0, ledger.ReceivedUnacknowledged);
        Assert.Equal(0, ledger.Missing);
    }

    [Theory]
    [InlineData("not-ours")]
    [InlineData("L9-0")]
    [InlineData("L0-7")]
    [InlineData("L-1")]
    public void Receive_ClientIdNotSentThisRun_CountedUnknown(string clientId)
    {
        var ledger = new MessageLedger(1);
        ledger.Send(0, 1);

        Assert.Equal(Arrival.Unknown, ledger.Receive(clientId, out _));
        Assert.Equal(1, ledger.Unknown);
        Assert.Equal(0, ledger.Received);
    }

    [Fact]
    public void ClientId_RoundTrips()
    {
        Assert.True(MessageLedger.TryParseClientId(MessageLedger.ClientId(1234, 98765), out var stream, out var number));
        Assert.Equal(1234, stream);
        Assert.Equal(98765, number);
    }

    [Fact]
    public void ClientId_Utf8_SameAsTextAndAccountedFromBytes()
    {
        var ledger = new MessageLedger(3);
        ledger.Send(2, 0);
        var id = ledger.Send(2, 42);
        Span<byte> bytes = stackalloc byte[MessageLedger.MaxClientIdBytes];
        var length = MessageLedger.WriteClientId(bytes, 2, id);

        Assert.Equal(MessageLedger.ClientId(2, id), System.Text.Encoding.UTF8.GetString(bytes[..length]));
        Assert.Equal(Arrival.First, ledger.Receive(bytes[..length], out var sentAt));
        Assert.Equal(42, sentAt);
        Assert.Equal(Arrival.Duplicate, ledger.Receive(bytes[..length], out _));
        Assert.Equal(Arrival.Unknown, ledger.Receive("L2-1~0badc0de"u8, out _));
        Assert.Equal(Arrival.Unknown, ledger.Receive("L2-+1~"u8, out _));
    }

    [Fact]
    public void RejectUnsettled_RejectsOnlyUnanswered()
    {
        var ledger = new MessageLedger(1);
        ledger.Send(0, 10);
        ledger.Send(0, 11);
        ledger.Send(0, 12);
        Assert.True(ledger.Acknowledge(0, 0, out var sentAt));
        Assert.Equal(10, sentAt);
        Assert.False(ledger.Acknowledge(0, 0, out _));
        Assert.True(ledger.TryReject(0, 1, out _));

        Assert.Equal([12L], ledger.RejectUnsettled(0));
        Assert.Equal(2, ledger.Rejected);
        Assert.Equal(0, ledger.Unsettled);
    }

    [Theory]
    [InlineData("L3-7")]           // an earlier run's format
    [InlineData("L3-7~0badc0de")]  // another run of the tool
    [InlineData("cli-42")]         // not the tool's at all
    public void ClientId_OfAnotherRun_IsUnknown(string clientId)
    {
        Assert.False(MessageLedger.TryParseClientId(clientId, out _, out _));
        var ledger = new MessageLedger(4);
        ledger.Send(3, 0);
        Assert.Equal(Arrival.Unknown, ledger.Receive(clientId, out _));
    }

    [Fact]
    public void OrderCheck_EventOrMessageGoingBackwards_Counted()
    {
        var check = new CatchUpScenario.OrderCheck(2);
        MessageReceived M(long seq, int stream, long n) =>
            new(new Message(seq, 1, 2, seq, MessageLedger.ClientId(stream, n), DateTimeOffset.UnixEpoch, "x")) { Seq = seq };

        check.See(M(10, 0, 0));
        check.See(M(11, 1, 0));
        check.See(M(12, 0, 1));
        Assert.Equal(0, check.OutOfOrder);

        check.See(M(12, 0, 2)); // same event seq again
        check.See(M(13, 1, 0)); // sender 1's message 0 again
        Assert.Equal(2, check.OutOfOrder);
    }

    [Fact]
    public void Settle_NeverArrived_FailedWithReasonWithoutLatency()
    {
        var deliver = new OperationLog(new TimeSeries()).Measured("deliver");
        deliver.Plan(2);
        deliver.SucceedSince(System.Diagnostics.Stopwatch.GetTimestamp());
        deliver.Settle("acknowledged, never arrived");

        var report = OperationReport.From(deliver);
        Assert.Equal(2, report.Attempted);
        Assert.Equal(1, report.Succeeded);
        Assert.Equal(1, report.Failed);
        Assert.Equal(0, report.NotStarted);
        Assert.Equal(1, report.LatencyMs.Count);
        Assert.Equal(1, report.Errors["acknowledged, never arrived"]);
    }

    [Fact]
    public void Render_RunWithFailures_SaysFailed()
    {
        var report = new RunReport("chat", "d", DateTimeOffset.UnixEpoch, 1,
            new RunSettings("http://127.0.0.1:1", 2, 1, 0, 1, false, false, "m"), [], [],
            new ServerReport(null, null, null, null, null, null, null), new ClientReport(0, 0, 0), [], [], ["3 acknowledged messages never arrived at their recipient"]);

        Assert.Equal("FAILED", report.Verdict);
        Assert.Contains("**Verdict: FAILED** — 3 acknowledged messages never arrived", MarkdownReport.Render(report, null), StringComparison.Ordinal);
    }
}
