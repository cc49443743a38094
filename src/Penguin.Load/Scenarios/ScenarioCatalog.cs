namespace Penguin.Load.Scenarios;

public static class ScenarioCatalog
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new RegisterScenario(),
        new IdleScenario(),
        new LoginStormScenario(),
        new ChatScenario(),
        new XmppChatScenario(),
        new CatchUpScenario(),
        new GroupScenario(),
        new DayScenario(),
        new TransfersScenario(),
        new RedPacketsScenario(),
    ];

    public static IScenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
