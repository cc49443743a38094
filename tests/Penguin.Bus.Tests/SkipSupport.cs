using Xunit.Abstractions;
using Xunit.Sdk;

namespace Penguin.Bus.Tests;

/// <summary>A test that runs only when PENGUIN_TEST_RABBITMQ is set, and shows as skipped otherwise.</summary>
public sealed class RabbitMqFactAttribute : FactAttribute
{
    public RabbitMqFactAttribute()
    {
        if (RabbitMqBroker.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>Marks a contract subclass whose bus needs RabbitMQ: its inherited contract tests skip without it.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresRabbitMqAttribute : Attribute;

/// <summary>A contract test, declared once in the abstract suite; skips per subclass, visibly, for a bus that cannot run here.</summary>
[XunitTestCaseDiscoverer("Penguin.Bus.Tests.ContractFactDiscoverer", "Penguin.Bus.Tests")]
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

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresRabbitMqAttribute)).Any() && RabbitMqBroker.SkipReason is { } reason
            ? reason
            : base.GetSkipReason(factAttribute);
}
