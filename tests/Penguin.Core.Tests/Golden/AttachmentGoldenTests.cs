using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Core.Tests.Golden;

/// <summary>
/// The frames that carry a file, pinned beside the text-only ones in v1/ (which stay byte for byte as they were:
/// the attachment fields are optional, so older clients and their golden files are unaffected).
/// </summary>
public sealed class AttachmentGoldenTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 8, 30, 15, 123, TimeSpan.Zero);

    private static readonly Message Picture = new(43, 10001, 10002, 8, "c-8", At, "看海")
    {
        Attachment = new Attachment("0123456789abcdef0123456789abcdef", "海边.jpg", 204_800, "image/jpeg", 4000, 3000, Preview: true),
    };

    private static readonly Message Voice = new(44, 10001, 10002, 9, "c-9", At)
    {
        Attachment = new Attachment("fedcba9876543210fedcba9876543210", "语音.ogg", 12_000, "audio/ogg", DurationMs: 3200),
    };

    public static TheoryData<string> Samples() => ["client.msg.send", "server.message", "server.message.voice", "server.msg.sent"];

    [Theory]
    [MemberData(nameof(Samples))]
    public void FrameWithAFile_SerializesToItsGoldenFile(string name)
    {
        var json = name switch
        {
            "client.msg.send" => JsonSerializer.Serialize<ClientFrame>(new SendMessage(10002, "c-8", "看海") { Id = 6, FileId = "0123456789abcdef0123456789abcdef" }, PenguinJson.Wire.ClientFrame),
            "server.message" => JsonSerializer.Serialize<ServerFrame>(new MessageReceived(Picture) { Seq = 30 }, PenguinJson.Wire.ServerFrame),
            "server.message.voice" => JsonSerializer.Serialize<ServerFrame>(new MessageReceived(Voice) { Seq = 31 }, PenguinJson.Wire.ServerFrame),
            _ => JsonSerializer.Serialize<ServerFrame>(new MessageAccepted(Picture, Duplicate: false) { Re = 6 }, PenguinJson.Wire.ServerFrame),
        };
        var path = Path.Combine(Directory(), $"{name}.json");
        if (!File.Exists(path) && Environment.GetEnvironmentVariable("PENGUIN_UPDATE_GOLDEN") == "1") File.WriteAllText(path, json + "\n");
        Assert.True(File.Exists(path), $"No golden file {name}.json: check the JSON below, then run with PENGUIN_UPDATE_GOLDEN=1 to write it.\n{json}");
        Assert.Equal(File.ReadAllText(path).TrimEnd('\n'), json);
        if (name == "client.msg.send") Assert.Equal(new SendMessage(10002, "c-8", "看海") { Id = 6, FileId = "0123456789abcdef0123456789abcdef" }, JsonSerializer.Deserialize(json, PenguinJson.Wire.ClientFrame));
    }

    [Fact]
    public void TextMessage_FromAnOlderClient_WithoutFileFields_StillReads()
    {
        var frame = JsonSerializer.Deserialize("""{"op":"msg.send","id":1,"to":10002,"clientId":"c-1","text":"你好"}""", PenguinJson.Wire.ClientFrame);

        Assert.Equal(new SendMessage(10002, "c-1", "你好") { Id = 1 }, frame);
    }

    private static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Penguin.slnx"))) return Path.Combine(dir.FullName, "tests", "Penguin.Core.Tests", "Golden", "attachments");
        throw new InvalidOperationException("Penguin.slnx not found.");
    }
}
