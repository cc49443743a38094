using Penguin.Load.Measurement;

namespace Penguin.Load.Tests;

public class PercentileTests
{
    [Fact]
    public void Summarize_OneToHundred_NearestRankPercentiles()
    {
        var histogram = new LatencyHistogram();
        foreach (var ms in Enumerable.Range(1, 100).Reverse()) histogram.Record(ms);

        var summary = histogram.Summarize();

        Assert.Equal(100, summary.Count);
        Assert.Equal(50, summary.P50);
        Assert.Equal(90, summary.P90);
        Assert.Equal(99, summary.P99);
        Assert.Equal(100, summary.Max);
        Assert.Equal(50.5, summary.Mean);
    }

    [Fact]
    public void Percentile_TenSamplesWithOutlier_P99IsTheOutlier()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000];

        Assert.Equal(5, LatencySummary.Percentile(sorted, 50));
        Assert.Equal(9, LatencySummary.Percentile(sorted, 90));
        Assert.Equal(1000, LatencySummary.Percentile(sorted, 99));
    }

    [Fact]
    public void Summarize_NoSamples_AllZero()
    {
        Assert.Equal(LatencySummary.Empty, new LatencyHistogram().Summarize());
    }

    [Fact]
    public void Summarize_SingleSample_EveryPercentileIsIt()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(7.5);

        var summary = histogram.Summarize();

        Assert.Equal(7.5, summary.P50);
        Assert.Equal(7.5, summary.P99);
        Assert.Equal(7.5, summary.Max);
    }
}
