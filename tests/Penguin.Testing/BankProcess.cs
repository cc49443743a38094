using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Penguin.Core.Wallet.Bank;

namespace Penguin.Testing;

/// <summary>
/// penguin-bank as its own process on a free port with its own records file, killed for real (SIGKILL) and started
/// again. A test project that uses it references src/Penguin.Bank, so penguin-bank.dll is beside its own.
/// </summary>
public sealed class BankProcess : IDisposable
{
    public const string Secret = "test-secret-0123456789abcdef";

    private readonly string[] _settings;
    private Process? _process;

    public BankProcess(params string[] settings)
    {
        _settings = settings;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Directory.CreateDirectory(Path.GetDirectoryName(DataFile)!);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    public string DataFile { get; } = Path.Combine(Path.GetTempPath(), "penguin-tests", "bank-" + Guid.NewGuid().ToString("N") + ".db");

    /// <summary>The server's settings that point it at this bank.</summary>
    public string[] ServerSettings => [$"--Penguin:Bank:Url={Url}", $"--Penguin:Bank:Secret={Secret}"];

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "penguin-bank.dll"), "--urls", $"http://127.0.0.1:{Port}", $"--Bank:Secret={Secret}",
                $"--Bank:DataFile={DataFile}", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var setting in _settings) start.ArgumentList.Add(setting);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"penguin-bank exited with {_process.ExitCode}");
            try
            {
                if ((await http.GetAsync(new Uri(Url + "healthz"))).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("penguin-bank did not become healthy");
    }

    /// <summary>A request to <paramref name="path"/> signed as the bank signs its callbacks (or with <paramref name="secret"/>, to forge one).</summary>
    public static HttpRequestMessage SignedCallback(Uri url, byte[] body, string secret = Secret, long? timestamp = null)
    {
        var now = timestamp ?? TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(BankSignature.TimestampHeader, now.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(BankSignature.SignatureHeader, BankSignature.Sign(secret, now, "POST", url.PathAndQuery, body));
        return request;
    }

    public static byte[] Json(BankPayment payment) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payment, BankJson.Default.BankPayment);

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    /// <summary>SIGKILL: nothing is flushed, callbacks in flight are cut.</summary>
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
