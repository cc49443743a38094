using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace Penguin.Testing;

/// <summary>A test that needs real services: it runs when their variables are set and shows as skipped otherwise.</summary>
public class ServiceFactAttribute : FactAttribute
{
    public ServiceFactAttribute(string[] variables, [CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (TestServices.SkipReason(variables) is { } reason) Skip = reason;
    }
}

public sealed class PostgresFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : ServiceFactAttribute([TestServices.PostgresVariable], sourceFilePath, sourceLineNumber);

public sealed class RabbitMqFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : ServiceFactAttribute([TestServices.RabbitMqVariable], sourceFilePath, sourceLineNumber);

public sealed class ClusterFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : ServiceFactAttribute([TestServices.PostgresVariable, TestServices.RabbitMqVariable], sourceFilePath, sourceLineNumber);

/// <summary>
/// Marks a contract subclass whose implementation needs services. The contract's tests are plain [Fact]s declared
/// once in the abstract suite; its constructor calls <see cref="RequiredServices.SkipUnlessConfigured"/>, so each
/// subclass skips them, visibly, where its implementation cannot run (xUnit v3's dynamic skip).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public class RequiresServicesAttribute(params string[] variables) : Attribute
{
    public IReadOnlyList<string> Variables { get; } = variables;
}

public sealed class RequiresPostgresAttribute() : RequiresServicesAttribute(TestServices.PostgresVariable);

public sealed class RequiresRabbitMqAttribute() : RequiresServicesAttribute(TestServices.RabbitMqVariable);

/// <summary>The per-class skip of contract suites.</summary>
public static class RequiredServices
{
    /// <summary>Skips the running test when <paramref name="testClass"/> requires services that are not configured.</summary>
    public static void SkipUnlessConfigured(Type testClass)
    {
        var needs = testClass.GetCustomAttributes<RequiresServicesAttribute>(inherit: true).SelectMany(a => a.Variables);
        if (TestServices.SkipReason(needs) is { } reason) Assert.Skip(reason);
    }
}
