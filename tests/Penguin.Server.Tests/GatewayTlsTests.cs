using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Penguin.Client;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

/// <summary>
/// On an HTTPS endpoint the transport sees only ciphertext, so devices take the other path (TLS first, then the
/// upgrade read off the decrypted pipes): wss:// must work as ws:// does, and REST beside it.
/// </summary>
public sealed class GatewayTlsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private Uri _baseUri = null!;
    private string _thumbprint = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var pfx = Path.Combine(_directory, "server.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            _thumbprint = certificate.Thumbprint;
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test"));
        }
        _app = PenguinServer.Build(
            ["--urls", "https://127.0.0.1:0", "--Kestrel:Certificates:Default:Path", pfx, "--Kestrel:Certificates:Default:Password", "test", "--Logging:LogLevel:Default=Warning"],
            options =>
            {
                options.DataDirectory = Path.Combine(_directory, "data");
                options.Accounts.PasswordIterations = 1_000;
            });
        await _app.StartAsync();
        _baseUri = new Uri(_app.Urls.First() + "/");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>Trusts exactly the test's own self-signed certificate.</summary>
    private SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 presented && presented.Thumbprint == _thumbprint,
        },
    };

    [Fact]
    public async Task Wss_AuthenticatesAndAnswers_AndRestWorksBeside()
    {
        Assert.StartsWith("https://", _baseUri.ToString(), StringComparison.Ordinal);
        using var handler = TrustingHandler();
        var client = new PenguinClient(_baseUri, handler);
        var number = await client.RegisterAsync("Alice", User.Password);
        await client.LoginAsync(number, User.Password, Protocol.DeviceKind.Pc);

        using var invoker = new HttpMessageInvoker(TrustingHandler());
        await using var connection = await client.ConnectAsync(invoker: invoker);
        Assert.Equal(number, connection.Session!.Me.Number);
        await connection.PingAsync();

        using var http = new HttpClient(TrustingHandler()) { BaseAddress = _baseUri };
        using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
        Assert.True(health.IsSuccessStatusCode);
    }
}
