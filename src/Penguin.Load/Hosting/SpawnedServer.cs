using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Penguin.Load.Hosting;

/// <summary>
/// A penguin-server child process for one run: a fresh data directory (unless one is given), a free loopback
/// port, registration and per-user send throttling lifted, test deposits on (wallet scenarios) and, only when asked, cheap password hashing. Killed by its PID at the end.
/// </summary>
public sealed class SpawnedServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _ownedDataDirectory;
    private readonly StreamWriter _log;

    private SpawnedServer(Process process, Uri uri, string? ownedDataDirectory, StreamWriter log, string logPath)
    {
        _process = process;
        Uri = uri;
        _ownedDataDirectory = ownedDataDirectory;
        _log = log;
        LogPath = logPath;
    }

    public Uri Uri { get; }
    public int Pid => _process.Id;
    public string LogPath { get; }

    public static Task<SpawnedServer> StartAsync(string? serverDll, string? dataDirectory, bool fastPasswords, CancellationToken ct) =>
        StartAsync(serverDll, dataDirectory, fastPasswords, [], ct);

    /// <summary>Starts one server; <paramref name="settings"/> are further command-line settings (e.g. storage and bus of a cluster node).</summary>
    public static async Task<SpawnedServer> StartAsync(string? serverDll, string? dataDirectory, bool fastPasswords, IReadOnlyList<string> settings, CancellationToken ct)
    {
        var dll = serverDll ?? FindServerDll() ?? throw new FileNotFoundException(
            "penguin-server.dll not found; build it (dotnet build src/Penguin.Server -c Release) or pass --server-dll.");
        var owned = dataDirectory is null ? Directory.CreateTempSubdirectory("penguin-load-").FullName : null;
        var data = dataDirectory ?? owned!;
        Directory.CreateDirectory(data);
        var port = FreePort();
        var uri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--urls", uri.ToString().TrimEnd('/'), $"--Penguin:DataDirectory={data}",
                     "--Penguin:Accounts:RegistrationsPerAddress=100000000", "--Penguin:Messaging:SendsPerSecond=100000000",
                     "--Penguin:Groups:SendsPerSecond=100000000", "--Penguin:Groups:MaxMembers=5000",
                     // A benchmark server only: load runs fund their wallets without the bank gateway.
                     "--Penguin:Wallet:TestDeposits=true", "--Penguin:Wallet:RedPacketMaxCount=10000",
                     "--Logging:LogLevel:Default=Warning"])
            start.ArgumentList.Add(arg);
        if (fastPasswords) start.ArgumentList.Add("--Penguin:Accounts:PasswordIterations=1000");
        foreach (var setting in settings) start.ArgumentList.Add(setting);
        start.Environment["DOTNET_gcServer"] = "0";

        var logPath = Path.Combine(data, "server.log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SpawnedServer(process, uri, owned, log, logPath);
        try
        {
            await server.WaitHealthyAsync(ct);
            return server;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            string tail;
            lock (log) { log.Flush(); tail = string.Join('\n', File.ReadLines(logPath).TakeLast(20)); }
            await server.DisposeAsync();
            throw new InvalidOperationException($"{e.Message}\n--- server output ---\n{tail}", e);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>src/Penguin.Server/bin/{Release,Debug}/net10.0/penguin-server.dll above this tool's directory.</summary>
    public static string? FindServerDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var bin = Path.Combine(dir.FullName, "src", "Penguin.Server", "bin");
            if (!Directory.Exists(bin)) continue;
            foreach (var config in (string[])["Release", "Debug"])
            {
                var candidate = Path.Combine(bin, config, "net10.0", "penguin-server.dll");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private async Task WaitHealthyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited with code {_process.ExitCode}.");
            try
            {
                using var response = await http.GetAsync(new Uri(Uri, "/readyz"), ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException("The server did not become healthy within 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL, as a crash: no shutdown, no goodbye to its devices (<c>--kill-node-after</c>).</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
        if (_ownedDataDirectory is not null)
        {
            try { Directory.Delete(_ownedDataDirectory, recursive: true); }
            catch (IOException) { }
        }
    }
}
