using System.Text.Json;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Core.Messaging;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What every contract suite shares: the engine's stores and small helpers that make users and events.</summary>
public abstract class ContractBase
{
    private readonly StorageEngine _engine;

    protected ContractBase(StorageEngine engine)
    {
        // An engine that cannot run here (no PostgreSQL configured) shows its contract tests as skipped.
        RequiredServices.SkipUnlessConfigured(GetType());
        _engine = engine;
    }

    /// <summary>Whole milliseconds: the precision both engines keep.</summary>
    protected static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 30, 15, 123, TimeSpan.Zero);

    protected const string DefaultGroupName = "我的好友";

    protected StorageEngine Engine => _engine;

    protected IAccountStore Accounts => _engine.Stores.Accounts;

    protected ISocialStore Social => _engine.Stores.Social;

    protected IEventLog Events => _engine.Stores.Events;

    protected IMessageStore Messages => _engine.Stores.Messages;

    protected IGroupStore Groups => _engine.Stores.Groups;

    protected Task<long> NewUserAsync(string nickname = "企鹅") => NewUserAsync(Accounts, nickname);

    protected static async Task<long> NewUserAsync(IAccountStore accounts, string nickname = "企鹅") =>
        await accounts.CreateUserAsync(new NewUser(nickname, $"hash-of-{nickname}", "penguin-01", Now), DefaultGroupName);

    /// <summary>A string no other test uses, so searches only find this test's users.</summary>
    protected static string Tag() => "t" + Guid.NewGuid().ToString("N")[..10];

    protected static EventsFor<T> NoEvents<T>() => _ => [];

    /// <summary>One marker event for each listed user (a user may be listed more than once).</summary>
    protected static EventsFor<T> EventsTo<T>(params long[] users) => _ => users.Select(u => new EventDraft(u, new FriendRemoved(u)));

    protected async Task<long> DefaultGroupAsync(long userId) => (await Social.GetGroupsAsync(userId)).Single(g => g.IsDefault).Id;

    protected async Task<long> NewGroupAsync(long userId, string name) =>
        Ok(await Social.CreateGroupAsync(userId, name, NoEvents<BuddyGroup[]>())).Value.Single(g => g.Name == name).Id;

    protected static T Ok<T>(Result<T> result)
    {
        Assert.True(result.IsOk, result.Error?.Code);
        return result.Value;
    }

    protected static void Fails<T>(string code, Result<T> result)
    {
        Assert.False(result.IsOk, $"expected {code}");
        Assert.Equal(code, result.Error.Code);
    }

    protected static long SeqInJson(CommittedEvent e)
    {
        using var doc = JsonDocument.Parse(e.Json);
        return doc.RootElement.GetProperty("seq").GetInt64();
    }
}
