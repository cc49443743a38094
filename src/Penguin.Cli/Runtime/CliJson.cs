using System.Text.Json;
using System.Text.Json.Serialization;
using Penguin.Protocol;

namespace Penguin.Cli.Runtime;

/// <summary>
/// What the CLI keeps between runs: which server, which account, the device's session token, the extra device
/// sessions of this login that live commands use (one live connection per session: see <see cref="SessionLease"/>)
/// and the status to show while connected (null: online).
/// </summary>
public sealed record CliConfig(
    string? Server = null, long? Number = null, string? Token = null, long? SessionId = null,
    LiveSession[]? Live = null, PresenceStatus? Status = null)
{
    /// <summary>Every session of this login, the main one first.</summary>
    public IEnumerable<LiveSession> Sessions =>
        Token is null ? [] : [new LiveSession(Token, SessionId ?? 0), .. Live ?? []];
}

/// <summary>One device session of the login: its token and id.</summary>
public sealed record LiveSession(string Token, long SessionId);

/// <summary>One row of <c>profiles --json</c>.</summary>
public sealed record ProfileEntry(string Name, string? Server, long? Number, bool Current);

/// <summary>The --json answer of <c>profiles</c>.</summary>
public sealed record ProfileList(ProfileEntry[] Profiles);

/// <summary>The --json answer of <c>login</c>: everything but the token, which stays in the config file.</summary>
public sealed record LoggedIn(string Server, long Number, long SessionId, Profile Profile);

/// <summary>The --json answer of commands that change something and return nothing else.</summary>
public sealed record Done(bool Ok = true);

/// <summary>One row of <c>conversations --json</c>: the protocol's conversation plus who the peer is.</summary>
public sealed record InboxEntry(string Nickname, Conversation Conversation, string? Remark = null);

/// <summary>The --json answer of <c>conversations</c>, most recent first.</summary>
public sealed record Inbox(InboxEntry[] Conversations);

/// <summary>
/// The --json answer of <c>send-file</c>: the stored file, whether the server already held its bytes (秒传), and the
/// message that carried it (one-to-one or group).
/// </summary>
public sealed record SentFile(StoredFile File, bool Instant, Message? Message = null, GroupMessage? GroupMessage = null);

/// <summary>The --json answer of <c>get</c>: the file's facts and where it was saved.</summary>
public sealed record SavedFile(StoredFile File, string Path, bool Resumed);

/// <summary>The CLI's own JSON (config file and a few answers), with the same rules as the protocol's context.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CliConfig))]
[JsonSerializable(typeof(LoggedIn))]
[JsonSerializable(typeof(Done))]
[JsonSerializable(typeof(Inbox))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(ProfileList))]
[JsonSerializable(typeof(SentFile))]
[JsonSerializable(typeof(SavedFile))]
public sealed partial class CliJson : JsonSerializerContext
{
    public static CliJson Wire { get; } = new(PenguinJson.WireOptions());

    /// <summary>The config file is read by people too.</summary>
    public static CliJson Indented { get; } = new(new JsonSerializerOptions(PenguinJson.WireOptions()) { WriteIndented = true });
}
