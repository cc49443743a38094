using Xunit.Abstractions;
using Xunit.Sdk;

namespace Penguin.Storage.Tests.Engines;

/// <summary>A test that runs only when PENGUIN_TEST_POSTGRES is set, and shows as skipped otherwise.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresEngine.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>Marks a contract subclass whose engine needs PostgreSQL: its inherited contract tests skip without it.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

/// <summary>
/// A contract test, declared once in the abstract suite and run by every engine's subclass. Unlike a plain
/// [Fact], whose Skip is fixed where it is declared, it skips per subclass: visibly, for an engine that
/// cannot run here.
/// </summary>
[XunitTestCaseDiscoverer("Penguin.Storage.Tests.Engines.ContractFactDiscoverer", "Penguin.Storage.Tests")]
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
        TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any() && PostgresEngine.SkipReason is { } reason
            ? reason
            : base.GetSkipReason(factAttribute);
}
