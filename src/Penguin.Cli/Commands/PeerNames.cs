using Penguin.Cli.Output;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// Names of the people in conversations, as the buddy list shows them: the remark when there is one, else the
/// nickname; strangers are looked up once; "Me" for myself.
/// </summary>
public sealed class PeerNames
{
    private readonly PenguinClient _client;
    private readonly Printer _printer;
    private readonly Dictionary<long, (string Nickname, string? Remark)> _known = [];

    private PeerNames(PenguinClient client, Printer printer, long me)
    {
        _client = client;
        _printer = printer;
        Me = me;
    }

    public long Me { get; }

    public static async Task<PeerNames> LoadAsync(PenguinClient client, Printer printer, long me, CancellationToken ct)
    {
        var names = new PeerNames(client, printer, me);
        foreach (var friend in (await client.GetFriendsAsync(ct)).Friends)
            names._known[friend.Profile.Number] = (friend.Profile.Nickname, friend.Remark is { Length: > 0 } r ? r : null);
        return names;
    }

    /// <summary>What a message line calls the person: remark, else nickname, else the number.</summary>
    public async Task<string> NameAsync(long number, CancellationToken ct)
    {
        if (number == Me) return _printer.T("Me", "我");
        var (nickname, remark) = await LookUpAsync(number, ct);
        return remark ?? nickname;
    }

    /// <summary>"Remark [Nickname] (number)" or "Nickname (number)", for lists.</summary>
    public async Task<string> FullNameAsync(long number, CancellationToken ct)
    {
        var (nickname, remark) = await LookUpAsync(number, ct);
        return remark is null ? $"{nickname} ({number})" : $"{remark} [{nickname}] ({number})";
    }

    public async Task<(string Nickname, string? Remark)> LookUpAsync(long number, CancellationToken ct)
    {
        if (_known.TryGetValue(number, out var known)) return known;
        try
        {
            known = ((await _client.GetUserAsync(number, ct)).Nickname, null);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code)
        {
            known = (number.ToString(System.Globalization.CultureInfo.InvariantCulture), null);
        }
        _known[number] = known;
        return known;
    }
}
