using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

/// <summary>The DataAnnotations on <see cref="ServerOptions"/> and the classes it holds, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class ServerOptionsAnnotations : IValidateOptions<ServerOptions>;

/// <summary>Rules that span settings: an engine that needs a connection must be given one.</summary>
public sealed class ServerOptionsRules : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = new List<string>();
        if (options.Storage == StorageEngine.Postgres && string.IsNullOrWhiteSpace(options.Postgres.ConnectionString))
            failures.Add("Penguin:Postgres:ConnectionString must be set when Penguin:Storage is postgres.");
        if (options.Bus == BusEngine.RabbitMq && options.RabbitMq.Uri is null)
            failures.Add("Penguin:RabbitMq:Uri must be set when Penguin:Bus is rabbitmq.");
        if (options.RabbitMq.Uri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("amqp" or "amqps")))
            failures.Add($"Penguin:RabbitMq:Uri must be an amqp:// or amqps:// URI (got '{uri}').");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Hands the one <see cref="ServerOptions"/> instance the node was built with to the options system, after the
/// registered validators accept it; with ValidateOnStart that happens when the host starts, before anything listens.
/// (The instance is bound early because the engines it names decide which services are registered.)
/// </summary>
internal sealed class ValidatedInstanceFactory<T>(T instance, IEnumerable<IValidateOptions<T>> validators) : IOptionsFactory<T>
    where T : class
{
    public T Create(string name)
    {
        var failures = validators.Select(v => v.Validate(name, instance)).Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
        if (failures.Count > 0) throw new OptionsValidationException(name, typeof(T), failures);
        return instance;
    }
}

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
