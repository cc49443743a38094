using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// <c>status</c>: presence lives on open connections, one status per device session. The CLI remembers the chosen
/// status for the login, and every penguin command that stays connected (friends --watch, chat, status --wait)
/// shows it — also those already running, which follow a change within a second.
/// </summary>
public static class PresenceCommands
{
    private const string Section = "Presence / 在线状态";

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "status", "<online|away|busy|dnd|invisible>",
            "Set your status. It is remembered for this login and shown while any penguin command stays connected (friends --watch, chat, or status --wait), running ones included; with none connected you are offline",
            "设置在线状态。状态为本登录保存，只要有保持连接的 penguin 命令（friends --watch、chat 或 status --wait，包括已在运行的）就会显示；没有连接时你是离线",
            SetAsync,
            new OptionSpec("wait", null, "Also stay connected with this status until Ctrl+C", "并保持连接直到按 Ctrl+C")),
    ];

    private static async Task<int> SetAsync(Invocation inv)
    {
        var status = inv.Choice(inv.Arg(0), "status", Invocation.Statuses);
        Remember(inv, status);
        if (!inv.Flag("wait"))
        {
            inv.Out.Done(
                $"Status {inv.Arg(0)} saved. Running 'friends --watch' or 'chat' commands show it now; with none running you appear offline — stay connected with 'penguin status {inv.Arg(0)} --wait' or 'penguin friends --watch'.",
                $"状态 {inv.Arg(0)} 已保存。正在运行的 friends --watch 或 chat 会立即显示它；没有运行时你显示为离线——用“penguin status {inv.Arg(0)} --wait”或“penguin friends --watch”保持在线。");
            return 0;
        }

        using var lease = inv.TakeSession();
        var connection = await lease.Client.ConnectAsync(status: status, ct: inv.Cancel);
        try
        {
            if (!inv.Out.IsJson) inv.Out.Line($"Status: {inv.Arg(0)}. Ctrl+C to go offline.", $"状态：{inv.Arg(0)}。按 Ctrl+C 下线。");
            await KeepAlive.RunAsync(connection, inv.Host.PingInterval, new StatusFollower(inv.Store, status), inv.Cancel);
            if (!inv.Cancel.IsCancellationRequested)
                throw new CliException(Errors.Unavailable.With("The connection was lost; you are offline.", "连接已断开，你已离线。"));
        }
        finally
        {
            await connection.CloseAsync(); // also disposes
        }
        inv.Out.Done("Offline.", "已下线。");
        return 0;
    }

    /// <summary>Saves the status for this login (online is the default and is saved as no status).</summary>
    public static void Remember(Invocation inv, PresenceStatus status)
    {
        if (inv.Config.Token is null) throw CliException.NotLoggedIn();
        var fresh = inv.Store.Load(); // another command may have saved since this one started
        inv.SaveConfig(fresh with { Status = status == PresenceStatus.Online ? null : status });
    }
}

/// <summary>The status this login should show: re-read from the config file when it changes.</summary>
public sealed class StatusFollower(ConfigStore store, PresenceStatus applied)
{
    private DateTime _seen = store.LastWrite;

    /// <summary>What the connection shows now.</summary>
    public PresenceStatus Applied { get; private set; } = applied;

    /// <summary>The remembered status when it differs from the applied one, else null.</summary>
    public PresenceStatus? Changed()
    {
        var written = store.LastWrite;
        if (written == _seen) return null;
        _seen = written;
        PresenceStatus wanted;
        try { wanted = store.Load().Status ?? PresenceStatus.Online; }
        catch (CliException) { return null; } // half-written or broken: keep what we have
        return wanted == Applied ? null : wanted;
    }

    public void Apply(PresenceStatus status) => Applied = status;
}
