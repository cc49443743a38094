using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary><c>status</c>: presence lives on an open connection, so setting it means connecting.</summary>
public static class PresenceCommands
{
    private const string Section = "Presence / 在线状态";

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "status", "<online|away|busy|dnd|invisible>",
            "Set your status; it lasts only while a connection is open. Without --wait this connects, sets and disconnects (you go offline again); use --wait, or 'friends --watch --status', to stay",
            "设置在线状态；状态只在连接打开期间有效。不加 --wait 时连接、设置后即断开（随即离线）；要保持状态请用 --wait 或 friends --watch --status",
            SetAsync,
            new OptionSpec("wait", null, "Stay connected with this status until Ctrl+C", "保持连接和此状态直到按 Ctrl+C")),
    ];

    private static async Task<int> SetAsync(Invocation inv)
    {
        var status = inv.Choice(inv.Arg(0), "status", Invocation.Statuses);
        using var client = inv.Client();
        var connection = await client.ConnectAsync(status: status, ct: inv.Cancel);
        try
        {
            if (inv.Flag("wait"))
            {
                if (!inv.Out.IsJson) inv.Out.Line($"Status: {inv.Arg(0)}. Ctrl+C to go offline.", $"状态：{inv.Arg(0)}。按 Ctrl+C 下线。");
                await KeepAlive.RunAsync(connection, inv.Host.PingInterval, inv.Cancel);
                if (!inv.Cancel.IsCancellationRequested)
                    throw new CliException(Errors.Unavailable.With("The connection was lost; you are offline.", "连接已断开，你已离线。"));
            }
        }
        finally
        {
            await connection.CloseAsync(); // also disposes
        }
        if (inv.Flag("wait")) inv.Out.Done("Offline.", "已下线。");
        else inv.Out.Done($"Status set to {inv.Arg(0)}; it ended when this command disconnected (use --wait to stay).",
            $"状态已设为 {inv.Arg(0)}；本命令断开连接后即失效（用 --wait 保持）。");
        return 0;
    }
}
