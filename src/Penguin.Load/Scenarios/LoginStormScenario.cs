using Penguin.Client;

namespace Penguin.Load.Scenarios;

/// <summary>
/// N devices that already hold session tokens reconnect at once (WebSocket upgrade + auth), as after a server
/// restart or a network outage: logins per second and latency. Tokens come from a setup login (not measured).
/// </summary>
public sealed class LoginStormScenario : IScenario
{
    public string Name => "login-storm";
    public string Description => "N devices holding tokens reconnect at once: WebSocket connect + auth with the token (no password hashing).";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromMinutes(5);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var users = await SimulatedUsers.PrepareAsync(context, context.Options.Users, withTokens: true, ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var before = await context.ServerMemoryAsync(ct);

        var login = context.Operations.Measured("reconnect");
        var cpuBefore = context.ServerCpuSeconds();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(context.Options.Duration ?? DefaultDuration);
        var devices = await LiveDevices.ConnectAllAsync(context, users, login, context.Concurrency(Math.Min(users.Count, 1000)), limit.Token);
        context.CpuFigure(login, cpuBefore);
        var after = await context.ServerMemoryAsync(ct);

        context.Figure("devices", users.Count);
        context.Figure("reconnected", login.Succeeded);
        context.Figure("logins_per_second", login.Throughput);
        context.Figure("storm_seconds", login.ActiveSeconds);
        if (before.RssKiB is { } rss0 && after.RssKiB is { } rss1)
        {
            context.Figure("server_rss_before_kib", rss0);
            context.Figure("server_rss_after_kib", rss1);
        }
        await LiveDevices.CloseAllAsync(context, devices.OfType<PenguinConnection>());
    }
}
