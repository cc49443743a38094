using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>The day's groups (<see cref="DayShape.Groups"/>): each made by its first account, open, joined by the rest over REST; accounted as setup.</summary>
public static class DayGroups
{
    /// <summary>Creates the groups; returns each one's number, or 0 where the group could not be made whole (it sits the day out).</summary>
    public static async Task<long[]> CreateAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, DayShape shape, CancellationToken ct)
    {
        var create = context.Operations.Supporting("setup:group");
        create.Plan(shape.Groups);
        context.Progress.Track(create);
        var numbers = new long[shape.Groups];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, shape.Groups), options, async (g, token) =>
        {
            await create.MeasureAsync(async () =>
            {
                var members = shape.MembersOf(g);
                using var owner = context.NewClient();
                owner.Token = users[members[0]].Token;
                var group = (await owner.CreateGroupAsync(new CreateGroupRequest($"压测群 {g + 1}", "day", JoinPolicy: GroupJoinPolicy.Open), token)).Group.Id;
                foreach (var member in members.Skip(1))
                {
                    using var joiner = context.NewClient();
                    joiner.Token = users[member].Token;
                    await joiner.JoinGroupAsync(group, ct: token);
                }
                numbers[g] = group;
                return true;
            });
        });
        if (numbers.Count(n => n == 0) is > 0 and var failed) context.Note($"{failed} groups could not be made; their members send no group messages");
        return numbers;
    }
}
