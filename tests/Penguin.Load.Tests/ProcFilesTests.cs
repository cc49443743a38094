using Penguin.Load.Measurement;

namespace Penguin.Load.Tests;

public class ProcFilesTests
{
    // A real /proc/<pid>/stat line, with a command name holding a space and a parenthesis.
    private const string Stat =
        "4242 (penguin (srv) x) S 1 4242 4242 0 -1 4194560 52345 0 12 0 1234 567 0 0 20 0 17 0 998877 3221225472 27000 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n";

    private const string Status = """
        Name:	penguin-server
        Umask:	0022
        State:	S (sleeping)
        VmPeak:	52720832 kB
        VmSize:	52720832 kB
        VmHWM:	   123456 kB
        VmRSS:	    95316 kB
        RssAnon:	   60000 kB
        Threads:	17
        """;

    [Fact]
    public void ParseCpuTicks_NameWithSpacesAndParentheses_SumsUtimeAndStime()
    {
        Assert.Equal(1234 + 567, ProcFiles.ParseCpuTicks(Stat));
    }

    [Fact]
    public void ParseStatusValue_KnownKeys_ReadsKiB()
    {
        Assert.Equal(95316, ProcFiles.ParseStatusValue(Status, "VmRSS"));
        Assert.Equal(123456, ProcFiles.ParseStatusValue(Status, "VmHWM"));
        Assert.Equal(17, ProcFiles.ParseStatusValue(Status, "Threads"));
        Assert.Null(ProcFiles.ParseStatusValue(Status, "VmSwap"));
    }

    [Fact]
    public void Parse_Sample_CpuSecondsFromTicks()
    {
        var sample = ProcFiles.Parse(Stat, Status);

        Assert.Equal(18.01, sample.CpuSeconds, 3);
        Assert.Equal(95316, sample.RssKiB);
        Assert.Equal(123456, sample.PeakRssKiB);
    }

    [Fact]
    public void Read_ThisProcess_HasMemory()
    {
        var self = ProcFiles.Read(Environment.ProcessId);

        Assert.NotNull(self);
        Assert.True(self.RssKiB > 0);
    }

    [Fact]
    public void ServerMetrics_Parse_ReadsGaugesAndSkipsComments()
    {
        var metrics = ServerMetrics.Parse("# HELP x y\n# TYPE x gauge\npenguin_sessions_online 20\ndotnet_gc_heap_bytes 1.5E+07\n");

        Assert.Equal(20, metrics["penguin_sessions_online"]);
        Assert.Equal(15_000_000, metrics["dotnet_gc_heap_bytes"]);
        Assert.Equal(2, metrics.Count);
    }

    [Fact]
    public void ThreadCpuSeconds_ANamedBusyThread_IsFoundAndCounted_AnUnknownNameIsNot()
    {
        using var spun = new ManualResetEventSlim();
        using var live = new ManualResetEventSlim();
        var busy = new Thread(() =>
        {
            var until = TimeProvider.System.GetUtcNow().AddMilliseconds(300);
            while (TimeProvider.System.GetUtcNow() < until) Thread.SpinWait(1000);
            spun.Set();
            live.Wait();
        }) { Name = "load-test-busy" };
        busy.Start();
        Assert.True(spun.Wait(TimeSpan.FromSeconds(30)));
        try
        {
            // It spun for 300 ms of wall time; on a busy machine it may have had a core for much less of it.
            Assert.InRange(ProcFiles.ThreadCpuSeconds(Environment.ProcessId, "load-test-busy") ?? 0, 0.02, 10);
            Assert.Null(ProcFiles.ThreadCpuSeconds(Environment.ProcessId, "no-such-thread"));
        }
        finally
        {
            live.Set();
            busy.Join();
        }
    }
}
