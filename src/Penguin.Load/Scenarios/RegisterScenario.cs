namespace Penguin.Load.Scenarios;

/// <summary>Registers N accounts with bounded concurrency: accounts per second and the total time (dominated by password hashing).</summary>
public sealed class RegisterScenario : IScenario
{
    public string Name => "register";
    public string Description => "Registers N accounts over REST with bounded concurrency (the server hashes each password with PBKDF2).";
    public string? Unavailable => null;
    public TimeSpan DefaultDuration => TimeSpan.FromMinutes(10);

    public async Task RunAsync(ScenarioContext context, CancellationToken ct)
    {
        var n = context.Options.Users;
        var register = context.Operations.Measured("register");
        register.Plan(n);
        context.Progress.Track(register);
        var password = SimulatedUsers.NewPassword();
        var users = new SimulatedUser?[n];
        var cpuBefore = context.ServerCpuSeconds();
        var options = new ParallelOptions { MaxDegreeOfParallelism = context.Concurrency(8), CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, n), options, async (i, token) =>
            {
                using var client = context.NewClient();
                var number = await register.MeasureAsync(() => client.RegisterAsync(SimulatedUsers.Nickname(i), password, token));
                if (number > 0) users[i] = new SimulatedUser(number, password, null);
            });
        }
        catch (OperationCanceledException)
        {
            context.Note($"time limit reached: {register.Planned - register.Attempted} registrations never started");
        }
        context.Figure("accounts_registered", register.Succeeded);
        context.Figure("accounts_per_second", register.Throughput);
        context.Figure("total_seconds", register.ActiveSeconds);
        context.CpuFigure(register, cpuBefore);
        SimulatedUsers.Save(context.Options.UsersFile, [.. users.OfType<SimulatedUser>()]);
    }
}
