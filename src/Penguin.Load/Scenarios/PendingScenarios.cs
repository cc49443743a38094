namespace Penguin.Load.Scenarios;

/// <summary>
/// A scenario whose protocol feature has not landed yet: it says so and the run ends without a report,
/// rather than measuring something else under its name. When the feature lands, replace
/// <see cref="Unavailable"/> with null and fill in <see cref="RunAsync"/> (users from
/// <see cref="SimulatedUsers"/>, devices from <see cref="LiveDevices"/>, operations measured as "send"/"deliver").
/// </summary>
public abstract class PendingScenario(string feature, string featureZh) : IScenario
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public string? Unavailable => $"'{Name}' is not available until {feature} lands / {featureZh}上线后可用。";
    public TimeSpan DefaultDuration => TimeSpan.FromSeconds(60);

    public Task RunAsync(ScenarioContext context, CancellationToken ct) => throw new NotSupportedException(Unavailable);
}
