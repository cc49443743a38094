using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Penguin.Testing;

/// <summary>
/// Everything the server logs, kept in memory: Penguin's own categories at every level (Trace up), the framework's
/// at the shipped appsettings.json levels, whatever level the test server's console is set to.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>Each entry as one line: level, category, event id, the formatted message and the exception's text.</summary>
    public IEnumerable<string> Lines => _entries.Select(e => $"{e.Level} {e.Category}[{e.EventId.Id}] {e.Message} {e.Exception}");

    /// <summary>Registers this capture with the server's logging.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider>(this);
        var provider = typeof(LogCapture).FullName;
        services.Configure<LoggerFilterOptions>(o =>
        {
            // Rules for this provider only: the first matching the longest category prefix wins.
            o.Rules.Add(new LoggerFilterRule(provider, null, LogLevel.Information, null));
            o.Rules.Add(new LoggerFilterRule(provider, "Microsoft.AspNetCore", LogLevel.Warning, null));
            o.Rules.Add(new LoggerFilterRule(provider, "Microsoft.Hosting.Lifetime", LogLevel.Warning, null));
            o.Rules.Add(new LoggerFilterRule(provider, "Penguin", LogLevel.Trace, null));
        });
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
