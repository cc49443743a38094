using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Runtime;

/// <summary>
/// One device session of the login, held by one command for as long as it keeps a live connection.
/// The server allows one live connection per device session (a second one ends the first with 4002), so
/// <c>login</c> creates a few sessions (<c>--sessions</c>, default 3) and every command that connects takes a
/// free one: <c>friends --watch</c> and <c>chat</c> run side by side, each on its own session. "Taken" is an
/// exclusive lock on <c>session-N.lock</c> next to the config file, released by the operating system when the
/// command ends, however it ends.
/// </summary>
public sealed class SessionLease : IDisposable
{
    private readonly FileStream _lock;

    private SessionLease(FileStream @lock, LiveSession session, int index, Uri server)
    {
        _lock = @lock;
        Session = session;
        Index = index;
        Client = new PenguinClient(server) { Token = session.Token };
    }

    public LiveSession Session { get; }

    /// <summary>Which of the login's sessions (0 is the one made first).</summary>
    public int Index { get; }

    /// <summary>A client with this session's token (REST works with any of them).</summary>
    public PenguinClient Client { get; }

    /// <summary>Takes the first free session of the login, or null when every one is held by another command.</summary>
    public static SessionLease? TryTake(ConfigStore store, CliConfig config, Uri server)
    {
        store.CreateDirectory();
        var index = 0;
        foreach (var session in config.Sessions)
        {
            var path = Path.Combine(store.Directory, $"session-{index}.lock");
            try
            {
                // FileShare.None is an exclusive flock(2) on Unix: held by this process until disposed or exit.
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new SessionLease(stream, session, index, server);
            }
            catch (IOException)
            {
                // Held by another command.
            }
            index++;
        }
        return null;
    }

    public static CliException AllTaken(int count) => new(Errors.Unavailable.With(
        $"All {count} device sessions of this login are in use by other penguin commands that stay connected (friends --watch, chat, status --wait). End one of them, or log in again with --sessions N (up to {MaxSessions}).",
        $"此登录的 {count} 个设备会话都被其他保持连接的 penguin 命令占用（friends --watch、chat、status --wait）。请结束其中一个，或用 --sessions N（最多 {MaxSessions}）重新登录。"));

    public const int DefaultSessions = 3, MaxSessions = 8;

    public void Dispose()
    {
        Client.Dispose();
        _lock.Dispose();
    }
}
