namespace Penguin.Load.Scenarios;

/// <summary>
/// Who is friends with whom among N simulated users: a ring where user i is friends with i ± 1 … i ± k/2, so every
/// user has k friends (fewer when N is small). Each direction of a friendship is one stream of a
/// <see cref="Measurement.MessageLedger"/>, so an arrival names its sender and recipient.
/// </summary>
public sealed class FriendGraph
{
    private readonly int[][] _friends;
    private readonly int[] _firstStream;
    private readonly (int From, int To)[] _streams;

    private FriendGraph(int users, IEnumerable<(int A, int B)> friendships)
    {
        var lists = Enumerable.Range(0, users).Select(_ => new List<int>()).ToArray();
        foreach (var (a, b) in friendships)
        {
            lists[a].Add(b);
            lists[b].Add(a);
        }
        _friends = [.. lists.Select(l => l.ToArray())];
        _firstStream = new int[users];
        var streams = new List<(int, int)>();
        for (var u = 0; u < users; u++)
        {
            _firstStream[u] = streams.Count;
            streams.AddRange(_friends[u].Select(f => (u, f)));
        }
        _streams = [.. streams];
    }

    /// <summary>The friendships of the ring (each once, as a pair of user indexes) for <paramref name="users"/> users with <paramref name="perUser"/> friends each.</summary>
    public static IReadOnlyList<(int A, int B)> Ring(int users, int perUser)
    {
        var pairs = new HashSet<(int, int)>();
        for (var d = 1; d <= perUser / 2; d++)
            for (var i = 0; i < users; i++)
            {
                var j = (i + d) % users;
                if (j != i) pairs.Add((Math.Min(i, j), Math.Max(i, j)));
            }
        return [.. pairs.Order()];
    }

    /// <summary>The graph of the friendships that exist (e.g. those of <see cref="Ring"/> that could be made).</summary>
    public static FriendGraph Of(int users, IEnumerable<(int A, int B)> friendships) => new(users, friendships);

    public int Users => _friends.Length;

    /// <summary>Ledger streams: one per direction of each friendship.</summary>
    public int Streams => _streams.Length;

    public IReadOnlyList<int> FriendsOf(int user) => _friends[user];

    /// <summary>The stream of messages from <paramref name="user"/> to its <paramref name="friend"/>-th friend.</summary>
    public int StreamOf(int user, int friend) => _firstStream[user] + friend;

    public (int From, int To) Stream(int stream) => _streams[stream];
}
