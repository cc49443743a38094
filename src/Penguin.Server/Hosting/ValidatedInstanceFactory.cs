using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

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
