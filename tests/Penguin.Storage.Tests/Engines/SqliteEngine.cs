using Penguin.Storage.Sqlite;

namespace Penguin.Storage.Tests.Engines;

/// <summary>SQLite in temp files: one directory per test class, deleted at the end.</summary>
public sealed class SqliteEngine : StorageEngine
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "penguin-storage-tests", Guid.NewGuid().ToString("N"));

    protected override string? Unavailable => null;

    protected override Task<(Stores, IAsyncDisposable)> OpenNewDatabaseAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_directory, $"{Guid.NewGuid():N}.db"));
        var stores = new Stores(new SqliteAccountStore(db), new SqliteSocialStore(db), new SqliteEventLog(db), new SqliteMessageStore(db)) { Xmpp = new SqliteXmppStore(db), Files = new SqliteFileStore(db), Avatars = new SqliteAvatarStore(db), Groups = new SqliteGroupStore(db), Rooms = new SqliteRoomStore(db) };
        return Task.FromResult<(Stores, IAsyncDisposable)>((stores, new Owner(db)));
    }

    protected override Task DeleteDatabasesAsync()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private sealed class Owner(IDisposable db) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            db.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
