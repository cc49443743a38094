using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Cli.Runtime;

/// <summary>
/// The config file of one profile (one login): <c>$PENGUIN_HOME/config.json</c> for the default profile and
/// <c>$PENGUIN_HOME/profiles/NAME/config.json</c> for a named one (<c>--profile</c>, <c>$PENGUIN_PROFILE</c>);
/// <c>$PENGUIN_HOME</c> defaults to <c>~/.penguin</c>. It holds session tokens, so it is written readable by its
/// owner only (mode 600, directory 700), and replaced atomically. The lock files of the profile's device
/// sessions (<see cref="SessionLease"/>) live next to it.
/// </summary>
public sealed class ConfigStore(string path, string profile = ConfigStore.DefaultProfile)
{
    public const string DefaultProfile = "default";

    public string Path { get; } = path;

    public string Profile { get; } = profile;

    public string Directory => System.IO.Path.GetDirectoryName(Path)!;

    public static string Home(CliHost host)
    {
        var home = host.GetEnv("PENGUIN_HOME");
        if (!string.IsNullOrEmpty(home)) return home;
        var user = host.GetEnv("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return System.IO.Path.Combine(user, ".penguin");
    }

    /// <summary>The store of <paramref name="profile"/> (the --profile option), else of $PENGUIN_PROFILE, else the default one.</summary>
    public static ConfigStore For(CliHost host, string? profile = null)
    {
        var home = Home(host);
        profile ??= host.GetEnv("PENGUIN_PROFILE") is { Length: > 0 } env ? env : DefaultProfile;
        if (!IsProfileName(profile))
            throw new UsageException($"PENGUIN_PROFILE must be 1–32 letters, digits, '-' or '_', not '{profile}'.", $"PENGUIN_PROFILE 须为 1–32 个字母、数字、“-”或“_”，而不是“{profile}”。");
        return profile == DefaultProfile
            ? new ConfigStore(System.IO.Path.Combine(home, "config.json"))
            : new ConfigStore(System.IO.Path.Combine(home, "profiles", profile, "config.json"), profile);
    }

    /// <summary>Every profile that has a config file, the default one first.</summary>
    public static IEnumerable<ConfigStore> All(CliHost host)
    {
        var home = Home(host);
        if (File.Exists(System.IO.Path.Combine(home, "config.json"))) yield return new ConfigStore(System.IO.Path.Combine(home, "config.json"));
        var profiles = System.IO.Path.Combine(home, "profiles");
        if (!System.IO.Directory.Exists(profiles)) yield break;
        foreach (var dir in System.IO.Directory.GetDirectories(profiles).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (IsProfileName(name) && File.Exists(System.IO.Path.Combine(dir, "config.json")))
                yield return new ConfigStore(System.IO.Path.Combine(dir, "config.json"), name);
        }
    }

    public static bool IsProfileName(string name) =>
        name.Length is >= 1 and <= 32 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>When the file last changed (for live commands that follow the remembered status).</summary>
    public DateTime LastWrite => File.Exists(Path) ? File.GetLastWriteTimeUtc(Path) : DateTime.MinValue;

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
        CreateDirectory();
        // A temporary file of its own: two commands may save at the same time (the last one wins, whole).
        var temp = $"{Path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
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

    public void CreateDirectory()
    {
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(Directory);
        else System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}

/// <summary>A failure found by the CLI itself (not logged in, server unreachable...): printed like a server error, exit 1.</summary>
public sealed class CliException(Error error) : Exception(error.Message)
{
    public Error Error { get; } = error;

    /// <summary>No saved session for this server: the program checks the server answers before saying so.</summary>
    public bool IsNotLoggedIn { get; private init; }

    public static CliException NotLoggedIn() =>
        new(Errors.NotAuthenticated.With("Not logged in to this server; run 'penguin login <number>' first.", "尚未登录此服务器，请先运行“penguin login <账号>”。")) { IsNotLoggedIn = true };
}
