using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Penguin.Server.Tests;

/// <summary>penguin-server as a separate process, so a test can kill it for real (SIGKILL) and start it again.</summary>
public sealed class ServerProcess : IDisposable
{
    private Process? _process;

    public ServerProcess(string dataDirectory, params string[] settings)
    {
        Settings = settings;
        DataDirectory = dataDirectory;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
    }

    public string DataDirectory { get; }

    /// <summary>More --Penguin:… settings for every start (a bank gateway, say).</summary>
    public IReadOnlyList<string> Settings { get; }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public async Task StartAsync()
    {
        var server = Path.Combine(AppContext.BaseDirectory, "penguin-server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                server, "--urls", $"http://127.0.0.1:{Port}", $"--Penguin:DataDirectory={DataDirectory}",
                "--Penguin:Accounts:PasswordIterations=1000", "--Penguin:Messaging:SendsPerSecond=100000",
                "--Penguin:Groups:SendsPerSecond=100000",
                "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var setting in Settings) start.ArgumentList.Add(setting);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"penguin-server exited with {_process.ExitCode}");
            try
            {
                if ((await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("penguin-server did not become healthy");
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public void Kill()
    {
        _process?.Kill(entireProcessTree: true);
        _process?.WaitForExit();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) Kill();
        _process?.Dispose();
    }
}
