using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Core.Messaging;

/// <summary>How both engines store a message's attachment: its wire JSON in one column.</summary>
public static class AttachmentJson
{
    public static string? Write(Attachment? attachment) =>
        attachment is null ? null : JsonSerializer.Serialize(attachment, PenguinJson.Wire.Attachment);

    public static Attachment? Read(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, PenguinJson.Wire.Attachment);
}
