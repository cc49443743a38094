using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;

namespace Penguin.Testing;

/// <summary>
/// Planted faults: wraps a service of the real server (a store, the event log) so that a named method throws
/// once armed, while every other call goes to the real implementation.
/// </summary>
public sealed class Faults
{
    private volatile Func<string, Exception?>? _rule;

    /// <summary>From now on, calls of <paramref name="method"/> throw what <paramref name="error"/> makes.</summary>
    public void Arm(string method, Func<Exception> error) => _rule = name => name == method ? error() : null;

    public void Disarm() => _rule = null;

    internal Exception? For(string method) => _rule?.Invoke(method);

    /// <summary>Replaces the last registration of <typeparamref name="TService"/> by the same service wrapped in these faults.</summary>
    public void Inject<TService>(IServiceCollection services) where TService : class
    {
        var original = services.Last(d => d.ServiceType == typeof(TService));
        services.Remove(original);
        services.AddSingleton(provider =>
        {
            var inner = (TService)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, original.ImplementationType!));
            var proxy = DispatchProxy.Create<TService, FaultProxy<TService>>();
            ((FaultProxy<TService>)(object)proxy).Bind(inner, this);
            return proxy;
        });
    }
}

/// <summary>Forwards every call to the real service unless <see cref="Faults"/> says the method throws.</summary>
#pragma warning disable CA1852 // DispatchProxy derives the proxy type from it at run time: it cannot be sealed.
internal class FaultProxy<T> : DispatchProxy where T : class
#pragma warning restore CA1852
{
    private T _inner = null!;
    private Faults _faults = null!;

    internal void Bind(T inner, Faults faults)
    {
        _inner = inner;
        _faults = faults;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (_faults.For(targetMethod!.Name) is { } planted) throw planted;
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
