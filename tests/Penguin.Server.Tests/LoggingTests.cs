using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>What the node writes to its console with the shipped appsettings.json: one start-up line, no per-request noise.</summary>
public sealed class LoggingTests
{
    private static async Task<string> RunAndUseAsync(params string[] settings)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var data = ServerRun.TempDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "penguin-server.dll"), "--urls", $"http://127.0.0.1:{port}",
                     "--Penguin:DataDirectory=data", "--Penguin:Accounts:PasswordIterations=1000", .. settings])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var uri = new Uri($"http://127.0.0.1:{port}/");
            using (var http = new HttpClient { BaseAddress = uri })
            {
                for (var ready = false; !ready;)
                {
                    Assert.False(process.HasExited, "penguin-server exited: " + string.Join('\n', output));
                    try { ready = (await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode; }
                    catch (HttpRequestException) { await Task.Delay(100); }
                }
            }
            using var client = new PenguinClient(uri);
            var number = await client.RegisterAsync("日志", User.Password);
            await client.LoginAsync(number, User.Password, DeviceKind.Pc);
            await client.GetMeAsync();
            await using var live = await client.ConnectAsync();
            await live.SyncAsync(0);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return string.Join('\n', output);
    }

    /// <summary>The lines but the web client's notice (no wwwroot beside the test's server): that one is the web client's.</summary>
    private static string[] Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("Web client not found", StringComparison.Ordinal))];

    [Fact]
    public async Task Defaults_OneStartupLine_WithVersionEngineDataAndAddress_NothingPerRequest()
    {
        var output = await RunAndUseAsync();

        var line = Assert.Single(Lines(output));
        Assert.Contains("info: Penguin.Server[1] Penguin ", line, StringComparison.Ordinal);
        Assert.Contains("storage sqlite at ", line, StringComparison.Ordinal);
        Assert.Contains("penguin.db", line, StringComparison.Ordinal);
        Assert.Contains("listening on http://127.0.0.1:", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonFormat_EveryLineIsOneJsonObject()
    {
        var output = await RunAndUseAsync("--Logging:Console:FormatterName=json");

        foreach (var any in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) JsonDocument.Parse(any).Dispose();
        var line = Assert.Single(Lines(output));
        using var entry = JsonDocument.Parse(line);
        Assert.Equal("Information", entry.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("Penguin.Server", entry.RootElement.GetProperty("Category").GetString());
        Assert.Equal("sqlite", entry.RootElement.GetProperty("State").GetProperty("Storage").GetString());
    }
}
