using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Load.Reporting;
using Penguin.Protocol;

namespace Penguin.Load.Tests;

public class AccountingTests
{
    [Fact]
    public async Task MeasureAsync_OperationThrows_CountedAsFailedWithReason()
    {
        var log = new OperationLog(new TimeSeries());
        var op = log.Measured("register");
        op.Plan(3);

        await op.MeasureAsync(() => Task.FromResult(1L));
        await op.MeasureAsync<long>(() => throw new PenguinException(Errors.Throttled, 429));

        var report = OperationReport.From(op);
        Assert.Equal(3, report.Planned);
        Assert.Equal(2, report.Attempted);
        Assert.Equal(1, report.Succeeded);
        Assert.Equal(1, report.Failed);
        Assert.Equal(1, report.NotStarted);
        Assert.Equal(1, report.LatencyMs.Count);
        var reason = Assert.Single(report.Errors);
        Assert.Equal($"{Errors.Throttled.Code} (HTTP 429)", reason.Key);
        Assert.Equal(1, reason.Value);
    }

    [Fact]
    public async Task MeasureAsync_Failure_ReturnsDefaultAndDoesNotThrow()
    {
        var op = new OperationLog(new TimeSeries()).Measured("connect");

        var result = await op.MeasureAsync<string>(() => throw new TimeoutException());

        Assert.Null(result);
        Assert.Equal(0, op.InFlight);
        Assert.Equal(1, op.Errors["TimeoutException"]);
    }

    [Fact]
    public void Tally_Dropped_CountedAsFailedWithoutLatency()
    {
        var op = new OperationLog(new TimeSeries()).Measured("stay-connected");

        op.Tally(true);
        op.Tally(false, "dropped");

        Assert.Equal(2, op.Attempted);
        Assert.Equal(1, op.Failed);
        Assert.Equal(0, op.Latency.Count);
        Assert.Equal(0, op.Throughput);
    }

    [Fact]
    public async Task MeasuredFailure_AppearsInTimeSeries_SetupDoesNot()
    {
        var log = new OperationLog(new TimeSeries());
        await log.Measured("ping").MeasureAsync(() => Task.FromException(new InvalidOperationException()));
        await log.Supporting("setup:login").MeasureAsync(() => Task.CompletedTask);

        var points = log.Series.Points();

        Assert.Equal(1, points.Sum(p => p.Failed));
        Assert.Equal(0, points.Sum(p => p.Succeeded));
    }
}
