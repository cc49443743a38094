using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;
using Penguin.Hosting;

namespace Penguin.Server.Hosting;

/// <summary>
/// Reads the Penguin section before binding: every key must name a setting and every value must convert to the
/// setting's type, so a typo or a bad value is reported with its full key instead of ignored or thrown deep inside the binder.
/// </summary>
public static class ConfigurationCheck
{
    public const string Section = "Penguin";

    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        Walk(configuration.GetSection(Section), typeof(ServerOptions), problems);
        if (configuration["urls"] is { } urls) problems.AddRange(ListenAddresses.Problems(urls));
        return problems;
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> problems)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = string.Join(", ", properties.Keys.Order(StringComparer.Ordinal));
                problems.Add($"{child.Path} is not a setting (known in {section.Path}: {known}).");
                continue;
            }
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsLeaf(target))
            {
                if (child.Value is { } value && Convert(value, target) is { } problem) problems.Add($"{child.Path} = '{value}': {problem}");
                else if (child.Value is null && child.GetChildren().Any()) problems.Add($"{child.Path} takes a single value, not a section.");
            }
            else if (!string.IsNullOrEmpty(child.Value))
            {
                problems.Add($"{child.Path} is a section: set its keys ({child.Path}:…), not a value.");
            }
            else
            {
                Walk(child, target, problems);
            }
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsEnum || type.IsPrimitive || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(decimal);

    /// <summary>Why <paramref name="value"/> is not a <paramref name="type"/>, or null when it is.</summary>
    private static string? Convert(string value, Type type)
    {
        if (type.IsEnum)
        {
            var names = string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
            return Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!) && !char.IsAsciiDigit(value.TrimStart('-').FirstOrDefault())
                ? null : $"use one of {names}.";
        }
        if (type == typeof(int)) return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : "not a whole number.";
        if (type == typeof(long)) return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : "not a whole number.";
        if (type == typeof(bool)) return bool.TryParse(value, out _) ? null : "use true or false.";
        if (type == typeof(TimeSpan)) return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _) ? null : "not a duration: write [d.]hh:mm:ss[.fff], e.g. 00:00:30.";
        if (type == typeof(Uri)) return Uri.TryCreate(value, UriKind.Absolute, out _) || value.Length == 0 ? null : "not an absolute URI.";
        return null;
    }
}
