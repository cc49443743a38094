using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Penguin.Core.Common;
using Penguin.Hosting;

namespace Penguin.Server.Hosting;

/// <summary>Turns the failures an operator can fix into one line each and an exit code; anything else is a bug and keeps its stack trace.</summary>
public static class StartupFailure
{
    private const string ConfigurationPrefix = "configuration error / 配置错误: ";

    /// <summary>Runs the node; a failure an operator can fix is written to <paramref name="error"/> as one line and becomes the exit code.</summary>
    public static async Task<int> GuardAsync(Func<Task> run, TextWriter error)
    {
        try
        {
            await run();
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Describe(e) is { } failure)
        {
            foreach (var line in failure.Lines) await error.WriteLineAsync($"penguin-server: {line}");
            return failure.ExitCode;
        }
    }

    public static (IReadOnlyList<string> Lines, int ExitCode)? Describe(Exception e) => e switch
    {
        StartupException s => ([s.Message], s.ExitCode),
        OptionsValidationException o => ([.. o.Failures.Select(f => ConfigurationPrefix + Setting(f))], ExitCodes.Configuration),
        _ when ListenAddresses.BindFailure(e) is { } line => ([line], ExitCodes.Unavailable),
        InvalidOperationException o when o.Message.StartsWith("Unable to configure HTTPS endpoint", StringComparison.Ordinal) =>
            ([ConfigurationPrefix + "urls: an https:// address needs a certificate / https 需要证书. Nodes serve http; terminate TLS in front of them (docs/operations.md, Ports)."], ExitCodes.Configuration),
        Penguin.Bus.RabbitMq.NodeIdInUseException n =>
            ([$"another node is running with Penguin:NodeId '{n.NodeId}' / 另一个节点正在使用相同的 NodeId. Give every node its own NodeId (docs/operations.md, Cluster nodes)."], ExitCodes.Unavailable),
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerExceptions[0]),
        _ => null,
    };

    /// <summary>
    /// Writes a failure for the configuration keys: "The field ServerOptions.Messaging.SendsPerSecond …" names
    /// Penguin:Messaging:SendsPerSecond, and "The ServerOptions.Xmpp.Domain field is required." says it must be set.
    /// </summary>
    private static string Setting(string failure)
    {
        const string options = "ServerOptions.";
        var start = failure.IndexOf(options, StringComparison.Ordinal);
        if (start < 0) return failure;
        var end = failure.IndexOf(' ', start + options.Length);
        if (end < 0) return failure;
        var key = "Penguin:" + failure[(start + options.Length)..end].Replace('.', ':');
        var rest = failure[end..];
        return rest.StartsWith(" field is required", StringComparison.Ordinal) ? $"{key} must be set / 不能为空." : key + rest;
    }

    internal static StartupException Configuration(IEnumerable<string> problems) =>
        new(string.Join(Environment.NewLine + "penguin-server: ", problems.Select(p => ConfigurationPrefix + p)), ExitCodes.Configuration);

    /// <summary>Opens a database; when the node is starting (<paramref name="options"/> given), a failure an operator can fix becomes one line.</summary>
    internal static T Open<T>(ServerOptions? options, Func<T> open)
    {
        if (options is null) return open();
        if (options.Storage == StorageEngine.Sqlite) CheckWritable(options.DataDirectory);
        try
        {
            return open();
        }
        catch (Exception e) when (Explain(e, options) is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>Opens the storage the way the first request would (migrations included) and checks that it answers.</summary>
    internal static async Task CheckStorageAsync(IServiceProvider services, ServerOptions options, CancellationToken cancellationToken)
    {
        var storage = services.GetRequiredService<IStorageHealth>();
        if (!await storage.IsHealthyAsync(cancellationToken))
            throw options.Storage == StorageEngine.Sqlite
                ? new StartupException($"database {Path.GetFullPath(StorageRegistration.DatabasePath(options))} cannot be read / 数据库无法读取.", ExitCodes.DataError)
                : new StartupException($"cannot reach PostgreSQL at {Where(options)} / 无法连接 PostgreSQL (Penguin:Postgres:ConnectionString).", ExitCodes.Unavailable);
    }

    private static void CheckWritable(string directory)
    {
        var full = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".penguin-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(full, e);
        }
    }

    internal static StartupException NotWritable(string directory, Exception e) => new(
        $"Penguin:DataDirectory {directory} is not writable / 数据目录不可写: {e.Message} Give the server's user write access or set Penguin:DataDirectory elsewhere.",
        ExitCodes.CannotCreate, e);

    private static StartupException? Explain(Exception e, ServerOptions options)
    {
        var file = Path.GetFullPath(StorageRegistration.DatabasePath(options));
        return e switch
        {
            SqliteException { SqliteErrorCode: 11 or 26 } s => new StartupException(
                $"database {file} is damaged or not a Penguin database / 数据库文件已损坏 (SQLite: {s.Message.Replace("SQLite Error " + s.SqliteErrorCode + ": ", "", StringComparison.Ordinal)}). Restore it from a backup (docs/operations.md, Backups).",
                ExitCodes.DataError, e),
            SqliteException { SqliteErrorCode: 8 or 14 or 10 } s => new StartupException(
                $"database {file} cannot be opened for writing / 数据库无法写入 (SQLite: {s.Message}).", ExitCodes.CannotCreate, e),
            InvalidOperationException { InnerException: { } inner } when Explain(inner, options) is { } innerExplained => innerExplained,
            PostgresException p => new StartupException(
                $"PostgreSQL at {Where(options)} refused / PostgreSQL 拒绝连接: {p.MessageText} ({p.SqlState}). Check Penguin:Postgres:ConnectionString.", ExitCodes.Unavailable, e),
            NpgsqlException n => new StartupException(
                $"cannot reach PostgreSQL at {Where(options)} / 无法连接 PostgreSQL: {(n.InnerException?.Message ?? n.Message).TrimEnd('.')}. Check Penguin:Postgres:ConnectionString and that the server runs.", ExitCodes.Unavailable, e),
            ArgumentException a when options.Storage == StorageEngine.Postgres => new StartupException(
                $"{ConfigurationPrefix}Penguin:Postgres:ConnectionString is not a valid Npgsql connection string: {a.Message}", ExitCodes.Configuration, e),
            _ => null,
        };
    }

    /// <summary>Host, port and database of the connection string, never its password.</summary>
    private static string Where(ServerOptions options)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString);
            return $"{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string)";
        }
    }
}
