using System.Text;
using Penguin.Bus.RabbitMq;
using Penguin.Core.Bus;

namespace Penguin.Bus.Tests;

/// <summary>The bytes nodes exchange: both versions round-trip, and anything malformed is refused rather than guessed at.</summary>
public sealed class DeliveryEnvelopeTests
{
    private static readonly Guid Origin = Guid.NewGuid();
    private static readonly Delivery Sample = new(Encoding.UTF8.GetBytes("{\"type\":\"group.message\",\"text\":\"大家好\"}"), Seq: 12, OnlySession: 34, EndSession: true);

    [Fact]
    public void SingleRecipient_RoundTrips_WithNoRecipientList()
    {
        Assert.True(DeliveryEnvelope.TryDecode(DeliveryEnvelope.Encode(Sample, Origin), out var delivery, out var origin, out var recipients));

        Assert.Equal(Origin, origin);
        Assert.Empty(recipients);
        Assert.Equal(Sample.Frame, delivery.Frame);
        Assert.Equal((12L, 34L, true), (delivery.Seq, delivery.OnlySession, delivery.EndSession));
    }

    [Fact]
    public void ManyRecipients_RoundTrip_InOrder()
    {
        long[] sent = [1, long.MaxValue, 20_000_000_001, 7];

        Assert.True(DeliveryEnvelope.TryDecode(DeliveryEnvelope.Encode(Sample, Origin, sent), out var delivery, out _, out var recipients));

        Assert.Equal(sent, recipients);
        Assert.Equal(Sample.Frame, delivery.Frame);
    }

    [Fact]
    public void VersionOneBodies_FromNodesBeforeVersionTwo_StillDecode()
    {
        // Written as version 1 always was: the recipient count field was reserved and zero.
        var body = DeliveryEnvelope.Encode(new Delivery([1, 2, 3], Seq: 5), Origin);
        Assert.Equal(1, body[0]);

        Assert.True(DeliveryEnvelope.TryDecode(body, out var delivery, out _, out var recipients));
        Assert.Empty(recipients);
        Assert.Equal([1, 2, 3], delivery.Frame);
    }

    [Theory]
    [InlineData(0)]          // version 2 with no recipients
    [InlineData(-1)]         // a negative count
    [InlineData(1_000_000)]  // more recipients than the body holds
    public void VersionTwo_WithAnImpossibleRecipientCount_IsRefused(int count)
    {
        var body = DeliveryEnvelope.Encode(Sample, Origin, [1, 2]);
        BitConverter.TryWriteBytes(body.AsSpan(34, 4), count);

        Assert.False(DeliveryEnvelope.TryDecode(body, out _, out _, out _));
    }

    [Fact]
    public void UnknownVersion_OrShortBody_IsRefused()
    {
        var body = DeliveryEnvelope.Encode(Sample, Origin);
        body[0] = 3;

        Assert.False(DeliveryEnvelope.TryDecode(body, out _, out _, out _));
        Assert.False(DeliveryEnvelope.TryDecode(body.AsSpan(0, DeliveryEnvelope.HeaderSize - 1), out _, out _, out _));
    }
}
