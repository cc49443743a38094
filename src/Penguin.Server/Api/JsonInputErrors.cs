using System.Text.Json;
using Penguin.Protocol;

namespace Penguin.Server.Api;

/// <summary>
/// Says what is wrong with a JSON request — a REST body or a WebSocket frame — in the client's terms (the JSON path of
/// the value, the names of missing fields), in both languages, never with the serializer's .NET type names.
/// </summary>
public static class JsonInputErrors
{
    /// <summary>The error for <paramref name="e"/>, thrown while reading "<paramref name="what"/>" (e.g. "body", "'ping' request").</summary>
    public static Error Describe(Exception e, string what, string whatZh)
    {
        if (e is not JsonException json)
            // A lone surrogate escape ("\ud800") cannot become a string; the serializer says so with other exception types.
            return Errors.BadRequest.With($"Invalid {what}: a string holds an invalid escape or character.", $"{whatZh}无效：字符串中含有无效的转义或字符。");
        const string missing = "missing required properties including: ";
        var at = json.Message.IndexOf(missing, StringComparison.Ordinal);
        if (at >= 0)
        {
            var names = json.Message[(at + missing.Length)..].TrimEnd('.');
            return Errors.BadRequest.With($"Invalid {what}: missing required field(s) {names}.", $"{whatZh}无效：缺少必填字段 {names}。");
        }
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        return Errors.BadRequest.With($"Invalid {what}: the value at {path} is missing, of the wrong type or out of range.",
            $"{whatZh}无效：{path} 处的值缺失、类型错误或超出范围。");
    }
}
