using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Penguin.Testing;

/// <summary>A test that needs real services: it runs when their variables are set and shows as skipped otherwise.</summary>
public class ServiceFactAttribute : FactAttribute
{
    public ServiceFactAttribute(params string[] variables)
    {
        if (TestServices.SkipReason(variables) is { } reason) Skip = reason;
    }
}

public sealed class PostgresFactAttribute() : ServiceFactAttribute(TestServices.PostgresVariable);

public sealed class RabbitMqFactAttribute() : ServiceFactAttribute(TestServices.RabbitMqVariable);

public sealed class ClusterFactAttribute() : ServiceFactAttribute(TestServices.PostgresVariable, TestServices.RabbitMqVariable);

/// <summary>Marks a contract subclass whose implementation needs services: its inherited contract tests skip without them.</summary>
[AttributeUsage(AttributeTargets.Class)]
public class RequiresServicesAttribute(params string[] variables) : Attribute
{
    public IReadOnlyList<string> Variables { get; } = variables;
}

public sealed class RequiresPostgresAttribute() : RequiresServicesAttribute(TestServices.PostgresVariable);

public sealed class RequiresRabbitMqAttribute() : RequiresServicesAttribute(TestServices.RabbitMqVariable);

/// <summary>
/// A contract test, declared once in an abstract suite and run by every implementation's subclass. Unlike a
/// plain [Fact], whose Skip is fixed where it is declared, it skips per subclass: visibly, for an
/// implementation that cannot run here.
/// </summary>
[XunitTestCaseDiscoverer("Penguin.Testing.ContractFactDiscoverer", "Penguin.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new ContractTestCase(diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("For deserialization only.")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnostics, display, displayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        var needs = TestMethod.TestClass.Class.ToRuntimeType().GetCustomAttributes<RequiresServicesAttribute>(inherit: true).SelectMany(a => a.Variables);
        return TestServices.SkipReason(needs) ?? base.GetSkipReason(factAttribute);
    }
}
