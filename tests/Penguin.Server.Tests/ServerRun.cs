using System.Diagnostics;

namespace Penguin.Server.Tests;

/// <summary>penguin-server (or penguin-bank) started as its own process to see how it ends: exit code, standard output and error.</summary>
public static class ServerRun
{
    public sealed record Outcome(string Program, int ExitCode, string Output, string Error)
    {
        public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Runs penguin-server with <paramref name="args"/> until it exits (it is killed, and the test fails, if it keeps running).</summary>
    public static Task<Outcome> UntilExitAsync(params string[] args) => UntilExitAsync(new Dictionary<string, string>(), args);

    /// <summary>The same with <paramref name="environment"/> added to the process's environment.</summary>
    public static Task<Outcome> UntilExitAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        UntilExitAsync("penguin-server", environment, args);

    /// <summary>Runs penguin-bank with <paramref name="args"/> until it exits.</summary>
    public static Task<Outcome> BankUntilExitAsync(params string[] args) => UntilExitAsync("penguin-bank", new Dictionary<string, string>(), args);

    private static async Task<Outcome> UntilExitAsync(string program, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{program} kept running with {string.Join(' ', args)}; output: {await output}");
        }
        return new Outcome(program, process.ExitCode, await output, await error);
    }

    /// <summary>A fresh directory under the temporary directory, for one test.</summary>
    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
