using Penguin.Core.Accounts;
using Penguin.Core.Files;
using Penguin.Core.Groups;
using Penguin.Core.Messaging;
using Penguin.Core.Rooms;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Core.Xmpp;

namespace Penguin.Storage.Tests.Engines;

/// <summary>The stores of one open database.</summary>
public sealed record Stores(IAccountStore Accounts, ISocialStore Social, IEventLog Events, IMessageStore Messages)
{
    public IXmppStore Xmpp { get; init; } = null!;

    public IFileStore Files { get; init; } = null!;
    public IAvatarStore Avatars { get; init; } = null!;
    public IGroupStore Groups { get; init; } = null!;

    public IRoomStore Rooms { get; init; } = null!;
}

/// <summary>
/// One storage engine under test, shared by the tests of one class: a database of its own (so classes never
/// see each other's rows), plus fresh empty databases for tests about a database's first state.
/// </summary>
public abstract class StorageEngine : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _opened = [];
    private Stores? _shared;

    /// <summary>The class's shared database; every test makes its own users in it.</summary>
    public Stores Stores => _shared ?? throw new InvalidOperationException("The engine is not available here.");

    /// <summary>Null when the engine can run here, else why not (the tests then show as skipped).</summary>
    protected abstract string? Unavailable { get; }

    /// <summary>Creates a new, empty database and opens its stores.</summary>
    protected abstract Task<(Stores Stores, IAsyncDisposable Owner)> OpenNewDatabaseAsync();

    /// <summary>Drops what <see cref="OpenNewDatabaseAsync"/> created, once everything is closed.</summary>
    protected abstract Task DeleteDatabasesAsync();

    public async Task<Stores> OpenFreshAsync()
    {
        var (stores, owner) = await OpenNewDatabaseAsync();
        lock (_opened) _opened.Add(owner);
        return stores;
    }

    public async ValueTask InitializeAsync()
    {
        // The fixture is built even when every test is skipped: then there is nothing to open.
        if (Unavailable is null) _shared = await OpenFreshAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owner in _opened) await owner.DisposeAsync();
        if (Unavailable is null) await DeleteDatabasesAsync();
    }
}
