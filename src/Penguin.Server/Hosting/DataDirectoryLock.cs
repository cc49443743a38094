namespace Penguin.Server.Hosting;

/// <summary>
/// An embedded node owns its data directory: the SQLite writer keeps the users' event-log heads in memory
/// (<c>EventHeads</c>), so a second node on the same <c>penguin.db</c> would hand out the same event seqs twice.
/// The node holds an exclusive lock on <c>penguin-node.lock</c> there for as long as it runs (released by the
/// kernel when the process dies, even by SIGKILL); a second node stops at start. <c>penguin-server admin</c> and an
/// online <c>sqlite3 .backup</c> take no such lock: they stay usable beside the running node.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "penguin-node.lock";
    private const int WouldBlock = 11; // EWOULDBLOCK: .NET on Linux puts the errno of the failed flock in HResult
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or says in one line why the node cannot start.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        try
        {
            Directory.CreateDirectory(full);
            // FileShare.None is flock(LOCK_EX | LOCK_NB) on Linux.
            return new DataDirectoryLock(new FileStream(Path.Combine(full, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e.HResult == WouldBlock)
        {
            throw new StartupException(
                $"another penguin-server is running with Penguin:DataDirectory {full} / 另一个 penguin-server 正在使用该数据目录. " +
                "Stop it first, or give this node a data directory of its own.", ExitCodes.Unavailable, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StartupFailure.NotWritable(full, e);
        }
    }

    public void Dispose() => _file.Dispose();
}
