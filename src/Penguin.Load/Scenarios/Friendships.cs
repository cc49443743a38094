using Penguin.Client;
using Penguin.Load.Measurement;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>Makes pairs of simulated users friends (a request and its acceptance over REST), accounted as setup.</summary>
public static class Friendships
{
    /// <summary>Befriends each pair; returns which pairs are friends afterwards (already being friends counts).</summary>
    public static async Task<bool[]> BefriendAsync(ScenarioContext context, IReadOnlyList<(SimulatedUser A, SimulatedUser B)> pairs, CancellationToken ct)
    {
        var befriend = context.Operations.Supporting("setup:befriend");
        befriend.Plan(pairs.Count);
        context.Progress.Track(befriend);
        var friends = new bool[pairs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs.Count), options, async (i, token) =>
        {
            var (a, b) = pairs[i];
            friends[i] = await befriend.MeasureAsync(async () =>
            {
                using var asker = context.NewClient();
                asker.Token = a.Token;
                FriendRequestOutcome asked;
                try
                {
                    asked = await asker.SendFriendRequestAsync(b.Number, "压测", ct: token);
                }
                catch (PenguinException e) when (e.Error.Code == Errors.AlreadyFriends.Code)
                {
                    return true; // a reused data directory
                }
                if (asked.State == FriendRequestState.Accepted) return true;
                using var answerer = context.NewClient();
                answerer.Token = b.Token;
                await answerer.AcceptFriendRequestAsync(asked.Request.Id, ct: token);
                return true;
            });
        });
        if (friends.Count(f => !f) is > 0 and var failed) context.Note($"{failed} pairs could not be made friends; they sit the run out");
        return friends;
    }
}
