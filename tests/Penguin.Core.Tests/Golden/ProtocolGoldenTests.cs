using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Core.Tests.Golden;

/// <summary>
/// Pins the wire shape of protocol v1: each frame and event serializes exactly to its checked-in file under
/// tests/Penguin.Core.Tests/Golden/v1/, and reads back from it. A change to a v1 type fails here; a new type
/// fails until it has a sample and a golden file. Run with PENGUIN_UPDATE_GOLDEN=1 to write missing files.
/// </summary>
public sealed class ProtocolGoldenTests
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static TheoryData<string> ClientOps => [.. ProtocolSamples.ClientFrames.Select(OpOf)];

    public static TheoryData<string> ServerTypes => [.. ProtocolSamples.ServerFrames.Select(TypeOf)];

    [Fact]
    public void ClientFrames_EveryOp_HasASample() =>
        Assert.Equal(
            Json.ClientFrame.PolymorphismOptions!.DerivedTypes.Select(t => (string)t.TypeDiscriminator!).Order(),
            ProtocolSamples.ClientFrames.Select(OpOf).Order());

    [Fact]
    public void ServerFrames_EveryType_HasASample() =>
        Assert.Equal(
            Json.ServerFrame.PolymorphismOptions!.DerivedTypes.Select(t => (string)t.TypeDiscriminator!).Order(),
            ProtocolSamples.ServerFrames.Select(TypeOf).Order());

    [Fact]
    public void GoldenFiles_EachBelongsToASample()
    {
        var expected = ProtocolSamples.ClientFrames.Select(f => FileOf("client", OpOf(f)))
            .Concat(ProtocolSamples.ServerFrames.Select(f => FileOf("server", TypeOf(f))))
            .Select(Path.GetFileName).Order();
        Assert.Equal(expected, Directory.GetFiles(GoldenDirectory, "*.json").Select(Path.GetFileName).Order());
    }

    [Theory]
    [MemberData(nameof(ClientOps))]
    public void ClientFrame_SerializesToItsGoldenFile(string op)
    {
        var sample = ProtocolSamples.ClientFrames.Single(f => OpOf(f) == op);
        var json = JsonSerializer.Serialize(sample, Json.ClientFrame);
        Assert.Equal(Golden(FileOf("client", op), json), json);
        Assert.Equal(sample, JsonSerializer.Deserialize(json, Json.ClientFrame));
    }

    [Theory]
    [MemberData(nameof(ServerTypes))]
    public void ServerFrame_SerializesToItsGoldenFile(string type)
    {
        var sample = ProtocolSamples.ServerFrames.Single(f => TypeOf(f) == type);
        var json = JsonSerializer.Serialize(sample, Json.ServerFrame);
        Assert.Equal(Golden(FileOf("server", type), json), json);
    }

    private static string OpOf(ClientFrame frame) => Discriminator(JsonSerializer.Serialize(frame, Json.ClientFrame), "op");

    private static string TypeOf(ServerFrame frame) => Discriminator(JsonSerializer.Serialize(frame, Json.ServerFrame), "type");

    private static string Discriminator(string json, string name)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty(name).GetString()!;
    }

    private static string FileOf(string side, string name) => Path.Combine(GoldenDirectory, $"{side}.{name}.json");

    /// <summary>The checked-in JSON (one line, no trailing newline); written first when PENGUIN_UPDATE_GOLDEN=1.</summary>
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
                    return Path.Combine(dir.FullName, "tests", "Penguin.Core.Tests", "Golden", "v1");
            throw new DirectoryNotFoundException("Penguin.slnx not found above the test binaries.");
        }
    }
}
