namespace Penguin.Load.Scenarios;

/// <summary>
/// One kind of load. A scenario prepares its users, drives the measured operations through
/// <see cref="ScenarioContext.Operations"/> and adds its headline figures; the runner does the rest
/// (server sampling, progress, reports). Adding a scenario is one class plus a line in <see cref="ScenarioCatalog"/>.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>One line for the report: what the scenario does.</summary>
    string Description { get; }

    /// <summary>Why the scenario cannot run yet (a missing protocol feature), or null when it can.</summary>
    string? Unavailable { get; }

    /// <summary>The time limit (or hold time) when --duration is not given.</summary>
    TimeSpan DefaultDuration { get; }

    Task RunAsync(ScenarioContext context, CancellationToken ct);
}
