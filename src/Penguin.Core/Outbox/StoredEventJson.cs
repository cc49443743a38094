using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Penguin.Protocol;

namespace Penguin.Core.Outbox;

/// <summary>
/// How an event is kept in a user's log: its own format, not the wire JSON of any protocol version, so a new
/// wire format (or a change to <see cref="PenguinJson"/>) never needs a data migration. Reading maps the stored
/// bytes to the domain event, and the connection serializes that for the wire it speaks.
/// <para>
/// Format 1, one JSON object: <c>{"v":1,"event":"friend_added","data":{…the event's fields, camelCase…}}</c>.
/// <c>event</c> is the stable stored name from <see cref="Names"/> (not the wire's "type"), <c>data</c> holds
/// no seq (the log's column is the seq), enums are strings, nulls are left out.
/// A message's event is not stored as JSON at all but as a reference to the message row
/// (<see cref="MessageReference"/>): the engines build it from the row when the log is read.
/// </para>
/// <para>
/// Adding an event type: one <c>[JsonSerializable(typeof(X))]</c> line and one <c>[typeof(X)] = "x_happened"</c>
/// line below. A stored name is never changed or reused. Changing the fields of a stored event changes stored
/// data: add a migration per engine (or read both shapes), as for any other column (Outbox/README.md).
/// </para>
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(FriendRequested))]
[JsonSerializable(typeof(FriendRequestDeclined))]
[JsonSerializable(typeof(FriendAdded))]
[JsonSerializable(typeof(FriendRemoved))]
[JsonSerializable(typeof(FriendUpdated))]
[JsonSerializable(typeof(BuddyGroupsChanged))]
[JsonSerializable(typeof(ProfileUpdated))]
[JsonSerializable(typeof(SettingsUpdated))]
[JsonSerializable(typeof(BlocksChanged))]
[JsonSerializable(typeof(MessageReceived))]
[JsonSerializable(typeof(MessageReceipt))]
[JsonSerializable(typeof(ConversationRead))]
[JsonSerializable(typeof(MessageRecalled))]
[JsonSerializable(typeof(MessageDeleted))]
// Groups
[JsonSerializable(typeof(GroupJoined))]
[JsonSerializable(typeof(GroupLeft))]
[JsonSerializable(typeof(GroupUpdated))]
[JsonSerializable(typeof(GroupMembershipChanged))]
[JsonSerializable(typeof(GroupMentioned))]
[JsonSerializable(typeof(GroupRead))]
[JsonSerializable(typeof(GroupJoinRequested))]
[JsonSerializable(typeof(GroupJoinRefused))]
[JsonSerializable(typeof(GroupJoinRequestHandled))]
[JsonSerializable(typeof(GroupInvited))]
// Wallet
[JsonSerializable(typeof(WalletTransferUpdated))]
[JsonSerializable(typeof(RedPacketUpdated))]
[JsonSerializable(typeof(WalletPaymentUpdated))]
public sealed partial class StoredEventJson : JsonSerializerContext
{
    /// <summary>The format every event is written in; a reader refuses others (a newer server's data).</summary>
    public const int FormatVersion = 1;

    /// <summary>The stored name of every event type. Stable: never renamed, never reused.</summary>
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(FriendRequested)] = "friend_requested",
        [typeof(FriendRequestDeclined)] = "friend_request_declined",
        [typeof(FriendAdded)] = "friend_added",
        [typeof(FriendRemoved)] = "friend_removed",
        [typeof(FriendUpdated)] = "friend_updated",
        [typeof(BuddyGroupsChanged)] = "buddy_groups_changed",
        [typeof(ProfileUpdated)] = "profile_updated",
        [typeof(SettingsUpdated)] = "settings_updated",
        [typeof(BlocksChanged)] = "blocks_changed",
        [typeof(MessageReceived)] = "message_received", // normally a reference to the message row instead (MessageReference)
        [typeof(MessageReceipt)] = "message_receipt",
        [typeof(ConversationRead)] = "conversation_read",
        [typeof(MessageRecalled)] = "message_recalled",
        [typeof(MessageDeleted)] = "message_deleted",
        // Groups
        [typeof(GroupJoined)] = "group_joined",
        [typeof(GroupLeft)] = "group_left",
        [typeof(GroupUpdated)] = "group_updated",
        [typeof(GroupMembershipChanged)] = "group_membership_changed",
        [typeof(GroupMentioned)] = "group_mentioned",
        [typeof(GroupRead)] = "group_read",
        [typeof(GroupJoinRequested)] = "group_join_requested",
        [typeof(GroupJoinRefused)] = "group_join_refused",
        [typeof(GroupJoinRequestHandled)] = "group_join_request_handled",
        [typeof(GroupInvited)] = "group_invited",
        // Wallet
        [typeof(WalletTransferUpdated)] = "wallet_transfer_updated",
        [typeof(RedPacketUpdated)] = "red_packet_updated",
        [typeof(WalletPaymentUpdated)] = "wallet_payment_updated",
    };

    private static readonly JsonSerializerOptions StoredOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        // Chinese as itself: a third of the bytes of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new StoredEventJson().WithAddedModifier(WithoutSeq),
    };

    private static readonly Dictionary<Type, (byte[] Name, JsonTypeInfo Info)> ByType =
        Names.ToDictionary(n => n.Key, n => (System.Text.Encoding.UTF8.GetBytes(n.Value), StoredOptions.GetTypeInfo(n.Key)));

    private static readonly Dictionary<string, JsonTypeInfo> ByName = Names.ToDictionary(n => n.Value, n => StoredOptions.GetTypeInfo(n.Key));

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>The event types that have a stored name (every durable event of the protocol must).</summary>
    public static IReadOnlyCollection<Type> EventTypes => Names.Keys;

    /// <summary>The stored name of an event type, or null when it has none.</summary>
    public static string? NameOf(Type eventType) => Names.GetValueOrDefault(eventType);

    /// <summary>
    /// The message an event is about when the engines store it as a reference to the message row rather than
    /// as JSON (the text is stored once and a recall is seen by every later read); null for every other event.
    /// </summary>
    public static long? MessageReference(DurableEvent e) => e is MessageReceived received ? received.Message.Id : null;

    /// <summary>The event in the stored format (its seq is not part of it).</summary>
    public static byte[] Write(DurableEvent e)
    {
        if (!ByType.TryGetValue(e.GetType(), out var type))
            throw new InvalidOperationException($"{e.GetType().Name} has no stored name: add it to StoredEventJson.");
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = StoredOptions.Encoder, SkipValidation = true });
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, FormatVersion);
        writer.WriteString("event"u8, type.Name);
        writer.WritePropertyName("data"u8);
        JsonSerializer.Serialize(writer, e, type.Info);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The domain event stored as <paramref name="stored"/>, at <paramref name="seq"/>.</summary>
    /// <exception cref="InvalidDataException">Not an event of a format and name this version knows.</exception>
    public static DurableEvent Read(ReadOnlySpan<byte> stored, long seq)
    {
        var reader = new Utf8JsonReader(stored);
        int? version = null;
        string? name = null;
        string? wireType = null;
        var hasData = false;
        var data = default(Utf8JsonReader);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Invalid("not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("v"u8)) { reader.Read(); version = reader.GetInt32(); }
            else if (reader.ValueTextEquals("event"u8)) { reader.Read(); name = reader.GetString(); }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) wireType = reader.GetString();
                else reader.Skip();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                data = reader; // the data may come before the name (a database's JSON type reorders keys): read it last
                hasData = true;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (version is null && wireType is not null && LegacyWireNames.TryGetValue(wireType, out var legacy))
        {
            // Format 0: the wire JSON of protocol v1, the event's fields at the top. Migration 0011 converted every
            // such row; one still comes from a node older than it during a rolling upgrade, so it is read too.
            (version, name, hasData) = (FormatVersion, legacy, true);
            data = new Utf8JsonReader(stored);
        }
        if (version != FormatVersion) throw Invalid($"format {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}, this version reads {FormatVersion}");
        if (name is null || !ByName.TryGetValue(name, out var info)) throw Invalid($"unknown event '{name}'");
        if (!hasData) throw Invalid("no data");
        var e = (DurableEvent?)JsonSerializer.Deserialize(ref data, info) ?? throw Invalid("null data");
        return e with { Seq = seq };
    }

    /// <summary>
    /// Format 0's names (the wire's "type" of protocol v1) → stored names, frozen as migration 0011 converts them.
    /// Only for rows written before that migration: new event types never need a line here.
    /// </summary>
    private static readonly Dictionary<string, string> LegacyWireNames = new()
    {
        ["friend.request"] = "friend_requested",
        ["friend.request.declined"] = "friend_request_declined",
        ["friend.added"] = "friend_added",
        ["friend.removed"] = "friend_removed",
        ["friend.updated"] = "friend_updated",
        ["buddygroups.changed"] = "buddy_groups_changed",
        ["profile.updated"] = "profile_updated",
        ["settings.updated"] = "settings_updated",
        ["blocks.changed"] = "blocks_changed",
        ["message"] = "message_received",
        ["message.receipt"] = "message_receipt",
        ["conversation.read"] = "conversation_read",
        ["message.recalled"] = "message_recalled",
        ["message.deleted"] = "message_deleted",
    };

    private static InvalidDataException Invalid(string why) => new($"Stored event not readable: {why}.");

    // The seq is the log's column, not part of the stored event.
    private static void WithoutSeq(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object || !type.Type.IsAssignableTo(typeof(DurableEvent))) return;
        foreach (var property in type.Properties)
            if (property.Name == "seq") property.ShouldSerialize = static (_, _) => false;
    }
}
