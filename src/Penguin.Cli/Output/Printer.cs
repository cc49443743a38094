using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Penguin.Cli.Runtime;
using Penguin.Protocol;

namespace Penguin.Cli.Output;

/// <summary>Writes results: one compact JSON document per answer with --json, text in the chosen language otherwise.</summary>
public sealed class Printer(CliHost host, bool json, Lang lang)
{
    public bool IsJson => json;
    public Lang Lang => lang;
    public TextWriter Out => host.Out;

    /// <summary>Picks the text of the chosen language.</summary>
    public string T(string en, string zh) => lang == Lang.Zh ? zh : en;

    public void Line(string en, string zh) => host.Out.WriteLine(T(en, zh));

    public void Line(string text = "") => host.Out.WriteLine(text);

    /// <summary>A "label: value" line, skipped when the value is absent.</summary>
    public void Field(string en, string zh, object? value)
    {
        if (value is null or "") return;
        host.Out.WriteLine(lang == Lang.Zh ? $"{zh}：{value}" : $"{en}: {value}");
    }

    public void Json<T>(T value, JsonTypeInfo<T> type) => host.Out.WriteLine(JsonSerializer.Serialize(value, type));

    /// <summary>The usual shape of a command's output: JSON, or the human rendering.</summary>
    public void Result<T>(T value, JsonTypeInfo<T> type, Action<T> human)
    {
        if (json) Json(value, type);
        else human(value);
    }

    /// <summary>For commands that only change something: {"ok":true}, or a confirmation sentence.</summary>
    public void Done(string en, string zh)
    {
        if (json) Json(new Done(), CliJson.Wire.Done);
        else Line(en, zh);
    }

    public void Error(Error error)
    {
        if (json) host.Error.WriteLine(JsonSerializer.Serialize(new ErrorResponse(error), PenguinJson.Wire.ErrorResponse));
        else host.Error.WriteLine(T($"error: {error.Message}", $"错误：{error.MessageZh}"));
    }
}
