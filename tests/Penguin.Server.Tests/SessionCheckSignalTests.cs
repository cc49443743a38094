using Microsoft.Extensions.Time.Testing;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

/// <summary>The admin command's signal reaches a listening node on both engines, and a node that hears nothing does nothing.</summary>
public sealed class SessionCheckSignalTests
{
    [Fact]
    public async Task Sqlite_RaisedSignal_IsHeardOnTheNextSecond_OncePerRaise()
    {
        var options = new ServerOptions { DataDirectory = ServerRun.TempDirectory() };
        var clock = new FakeTimeProvider();
        var heard = 0;
        using var stop = new CancellationTokenSource();
        var listening = new SessionCheckSignal(options).ListenAsync(() => Interlocked.Increment(ref heard), clock, stop.Token);

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, Volatile.Read(ref heard)); // no signal file: nothing heard
        await new SessionCheckSignal(options).RaiseAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref heard) == 1);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, Volatile.Read(ref heard)); // heard once, not on every poll

        await new SessionCheckSignal(options).RaiseAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref heard) == 2);

        await stop.CancelAsync();
        await listening;
    }

    [PostgresFact]
    public async Task Postgres_RaisedSignal_ReachesEveryListener()
    {
        var options = new ServerOptions { Storage = StorageEngine.Postgres };
        options.Postgres.ConnectionString = TestServices.Postgres!;
        var first = 0;
        var second = 0;
        using var stop = new CancellationTokenSource();
        var listeners = new[]
        {
            new SessionCheckSignal(options).ListenAsync(() => Interlocked.Increment(ref first), TimeProvider.System, stop.Token),
            new SessionCheckSignal(options).ListenAsync(() => Interlocked.Increment(ref second), TimeProvider.System, stop.Token),
        };

        // LISTEN takes a moment to be in place: raise until both have heard one.
        for (var attempt = 0; attempt < 100 && (Volatile.Read(ref first) == 0 || Volatile.Read(ref second) == 0); attempt++)
        {
            await new SessionCheckSignal(options).RaiseAsync(TestContext.Current.CancellationToken);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(Volatile.Read(ref first) > 0 && Volatile.Read(ref second) > 0, $"heard {first} and {second}");
        await stop.CancelAsync();
        await Task.WhenAll(listeners);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
        Assert.True(condition());
    }
}
