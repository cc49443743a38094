using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Runtime;

/// <summary>
/// The config file: <c>$PENGUIN_HOME/config.json</c>, else <c>~/.penguin/config.json</c>. It holds a session
/// token, so it is written readable by its owner only (mode 600, directory 700), and replaced atomically.
/// </summary>
public sealed class ConfigStore(string path)
{
    public string Path { get; } = path;

    public static ConfigStore For(CliHost host)
    {
        var home = host.GetEnv("PENGUIN_HOME");
        if (string.IsNullOrEmpty(home))
        {
            var user = host.GetEnv("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            home = System.IO.Path.Combine(user, ".penguin");
        }
        return new ConfigStore(System.IO.Path.Combine(home, "config.json"));
    }

    public CliConfig Load()
    {
        if (!File.Exists(Path)) return new CliConfig();
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path), CliJson.Wire.CliConfig) ?? new CliConfig();
        }
        catch (JsonException)
        {
            throw new CliException(Errors.InvalidField.With($"The config file {Path} is not valid JSON; fix or delete it.", $"配置文件 {Path} 不是有效的 JSON，请修正或删除。"));
        }
    }

    public void Save(CliConfig config)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var temp = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            // An existing file keeps its mode on FileMode.Create: tighten it explicitly.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            JsonSerializer.Serialize(stream, config, CliJson.Indented.CliConfig);
        }
        File.Move(temp, Path, overwrite: true);
    }
}

/// <summary>A failure found by the CLI itself (not logged in, server unreachable...): printed like a server error, exit 1.</summary>
public sealed class CliException(Error error) : Exception(error.Message)
{
    public Error Error { get; } = error;

    public static CliException NotLoggedIn() =>
        new(Errors.NotAuthenticated.With("Not logged in to this server; run 'penguin login <number>' first.", "尚未登录此服务器，请先运行“penguin login <账号>”。"));
}
