using System.Text;
using System.Text.Json;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Tests.Golden;

/// <summary>
/// Pins the format events are stored in (<see cref="StoredEventJson"/>, format 1), apart from the wire: each durable
/// event of the protocol writes exactly its checked-in file under tests/Penguin.Core.Tests/Golden/stored/v1/ and
/// reads back to the same domain event, hence the same wire JSON. A change here is a change to stored data (a
/// migration per engine); a new event fails until it has a stored name and a golden file (PENGUIN_UPDATE_GOLDEN=1).
/// </summary>
public sealed class StoredEventGoldenTests
{
    public static TheoryData<string> StoredNames => [.. Durable.Select(e => StoredEventJson.NameOf(e.GetType())!)];

    private static IEnumerable<DurableEvent> Durable => ProtocolSamples.ServerFrames.OfType<DurableEvent>();

    [Fact]
    public void EveryDurableEventOfTheWire_HasAStoredName()
    {
        var durable = PenguinJson.Wire.ServerFrame.PolymorphismOptions!.DerivedTypes.Select(t => t.DerivedType)
            .Where(t => t.IsAssignableTo(typeof(DurableEvent))).ToList();

        Assert.NotEmpty(durable);
        Assert.All(durable, t => Assert.True(StoredEventJson.NameOf(t) is not null, $"{t.Name} has no stored name in StoredEventJson."));
        Assert.Equal(durable.Select(t => t.FullName).Order(), StoredEventJson.EventTypes.Select(t => t.FullName).Order());
    }

    [Fact]
    public void StoredNames_AreUniqueAndNotTheWireNames()
    {
        var names = StoredEventJson.EventTypes.Select(t => StoredEventJson.NameOf(t)!).ToList();
        var wire = PenguinJson.Wire.ServerFrame.PolymorphismOptions!.DerivedTypes.Select(t => (string)t.TypeDiscriminator!).ToHashSet();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain(names, wire.Contains);
    }

    [Fact]
    public void GoldenFiles_EachBelongsToADurableEvent() =>
        Assert.Equal(StoredNames.Select(n => $"{(string)n.Data}.json").Order(),
            Directory.GetFiles(GoldenDirectory, "*.json").Select(Path.GetFileName).Order());

    [Theory]
    [MemberData(nameof(StoredNames))]
    public void Event_IsStoredAsItsGoldenFile_AndReadsBackToTheSameWireJson(string name)
    {
        var sample = Durable.Single(e => StoredEventJson.NameOf(e.GetType()) == name);
        var stored = Encoding.UTF8.GetString(StoredEventJson.Write(sample));

        Assert.Equal(Golden(Path.Combine(GoldenDirectory, $"{name}.json"), stored), stored);
        using (var document = JsonDocument.Parse(stored))
            Assert.False(document.RootElement.GetProperty("data").TryGetProperty("seq", out _), "the log's column is the seq");
        var read = StoredEventJson.Read(Encoding.UTF8.GetBytes(stored), sample.Seq);
        Assert.Equal(Wire(sample), Wire(read));
    }

    [Fact]
    public void Read_TakesItsSeqFromTheLog()
    {
        var stored = StoredEventJson.Write(new FriendRemoved(10002) { Seq = 5 });

        Assert.Equal(new FriendRemoved(10002) { Seq = 9 }, StoredEventJson.Read(stored, 9));
    }

    [Fact]
    public void Read_KeysInAnyOrderAndSpacing_ReadsTheSameEvent()
    {
        // What a database's JSON type may hand back after a migration: keys reordered, spaces added.
        var stored = """{"data": {"readSeq": 7, "peer": 10002}, "event": "conversation_read", "v": 1}"""u8;

        Assert.Equal(new ConversationRead(10002, 7) { Seq = 3 }, StoredEventJson.Read(stored, 3));
    }

    /// <summary>
    /// Format 0 (before migration 0011) was the wire JSON of protocol v1: a row a node older than the migration
    /// writes during a rolling upgrade is still read, to the same event, without the wire's serializer.
    /// </summary>
    /// <summary>The events that existed before migration 0011 (format 0); events added later were never stored that way.</summary>
    private static readonly HashSet<string> FormatZero =
    [
        "friend_requested", "friend_request_declined", "friend_added", "friend_removed", "friend_updated", "buddy_groups_changed",
        "profile_updated", "settings_updated", "blocks_changed", "message_received", "message_receipt", "conversation_read",
        "message_recalled", "message_deleted",
    ];

    public static TheoryData<string> FormatZeroNames => [.. Durable.Select(e => StoredEventJson.NameOf(e.GetType())!).Where(FormatZero.Contains)];

    [Theory]
    [MemberData(nameof(FormatZeroNames))]
    public void Read_FormatZeroWireJsonOfProtocolOne_ReadsTheSameEvent(string name)
    {
        var sample = Durable.Single(e => StoredEventJson.NameOf(e.GetType()) == name);
        var v1 = JsonSerializer.SerializeToUtf8Bytes<ServerFrame>(sample, PenguinJson.Wire.ServerFrame);

        Assert.Equal(Wire(sample), Wire(StoredEventJson.Read(v1, sample.Seq)));
    }

    [Theory]
    [InlineData("""{"v":2,"event":"friend_removed","data":{"number":1}}""")]
    [InlineData("""{"event":"friend_removed","data":{"number":1}}""")]
    [InlineData("""{"v":1,"event":"friend.removed","data":{"number":1}}""")]
    [InlineData("""{"v":1,"event":"friend_removed"}""")]
    [InlineData("""{"type":"group.created","id":1,"seq":4}""")]
    [InlineData("""[]""")]
    public void Read_UnknownFormatOrEvent_Throws(string stored) =>
        Assert.Throws<InvalidDataException>(() => StoredEventJson.Read(Encoding.UTF8.GetBytes(stored), 1));

    [Fact]
    public void Write_EventWithoutAStoredName_Throws() =>
        Assert.Throws<InvalidOperationException>(() => StoredEventJson.Write(new Unnamed()));

    [Fact]
    public void MessageReference_OnlyAMessageEventRefersToItsRow()
    {
        var message = new Message(42, 10001, 10002, 7, "c-7", DateTimeOffset.UnixEpoch, "hi");

        Assert.Equal(42, StoredEventJson.MessageReference(new MessageReceived(message)));
        Assert.Null(StoredEventJson.MessageReference(new MessageDeleted(10002, 42)));
    }

    private static string Wire(DurableEvent e) => JsonSerializer.Serialize<ServerFrame>(e, PenguinJson.Wire.ServerFrame);

    private sealed record Unnamed : DurableEvent;

    /// <summary>The checked-in JSON (one line); written first when PENGUIN_UPDATE_GOLDEN=1.</summary>
    private static string Golden(string path, string actual)
    {
        if (!File.Exists(path))
        {
            Assert.True(Environment.GetEnvironmentVariable("PENGUIN_UPDATE_GOLDEN") == "1",
                $"No golden file {Path.GetFileName(path)}: check the JSON below, then run with PENGUIN_UPDATE_GOLDEN=1 to write it.\n{actual}");
            File.WriteAllText(path, actual + "\n");
        }
        return File.ReadAllText(path).TrimEnd('\n');
    }

    private static string GoldenDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Penguin.slnx")))
                    return Path.Combine(dir.FullName, "tests", "Penguin.Core.Tests", "Golden", "stored", "v1");
            throw new DirectoryNotFoundException("Penguin.slnx not found above the test binaries.");
        }
    }
}
