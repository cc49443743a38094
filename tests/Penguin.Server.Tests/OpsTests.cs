using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Penguin.Client;
using Penguin.Protocol;
using Penguin.Server.Hosting;

namespace Penguin.Server.Tests;

/// <summary>What an operator points tools at: the OpenAPI document and its reference page, health, metrics, appsettings.json.</summary>
public sealed class OpsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private HttpClient Http() => new() { BaseAddress = Server.BaseUri };

    [Fact]
    public async Task OpenApi_Document_IsValidOpenApiDescribingTheRestApi()
    {
        using var http = Http();

        using var response = await http.GetAsync(new Uri("openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var (document, diagnostic) = await Microsoft.OpenApi.OpenApiDocument.LoadAsync(stream, "json");
        Assert.NotNull(document);
        Assert.Empty(diagnostic?.Errors ?? []);
        Assert.StartsWith("3.", diagnostic!.SpecificationVersion.ToString().Replace("OpenApi", "", StringComparison.Ordinal).Replace('_', '.'), StringComparison.Ordinal);
        Assert.Contains("/api/v1/accounts", document.Paths.Keys);
        Assert.Contains("/api/v1/sessions", document.Paths.Keys);
        Assert.Contains("/api/v1/me/password", document.Paths.Keys);
        Assert.DoesNotContain("/metrics", document.Paths.Keys);
    }

    [Fact]
    public async Task Docs_ServesTheApiReferenceForTheDocument()
    {
        using var http = Http();

        var page = await http.GetStringAsync(new Uri("docs/", UriKind.Relative));

        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);
        using var script = await http.GetAsync(new Uri("docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("docs/v1", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("docs/x", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Health_LivenessAndReadiness_AnswerHealthy()
    {
        using var http = Http();

        Assert.Equal("Healthy", await http.GetStringAsync(new Uri("healthz", UriKind.Relative)));
        Assert.Equal("Healthy", await http.GetStringAsync(new Uri("readyz", UriKind.Relative)));
    }

    [Fact]
    public async Task Readiness_StorageUnusable_Fails_LivenessStays_AndRecovers()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var moved = server.DataDirectory + ".moved";

        // The data directory vanishes (an unmounted volume): open connections still work, a new one cannot open the file.
        Directory.Move(server.DataDirectory, moved);
        try
        {
            using var notReady = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("Unhealthy", await notReady.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
        }
        finally
        {
            Directory.Move(moved, server.DataDirectory);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Metrics_PrometheusText_HasTheNodesWritersAndFrameworksFigures()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.BefriendAsync(bob);
        var live = await alice.ConnectAsync();
        await bob.ConnectAsync();
        await live.SendTextAsync(bob.Number, "你好");
        using var stranger = server.NewClient();
        await Assert.ThrowsAsync<PenguinException>(() => stranger.LoginAsync(alice.Number, "wrong password", DeviceKind.Pc));

        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var response = await http.GetAsync(new Uri("metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        var values = Series(text);

        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, values["penguin_sessions_online"]);
        Assert.Equal(2, values["penguin_connections_by_state{state=\"authenticated\"}"]);
        Assert.Equal(2, values["penguin_connections_open"]);
        Assert.Equal(1, values["penguin_messages_sent_total{outcome=\"ok\"}"]);
        Assert.Equal(1, values["penguin_message_send_duration_seconds_count"]);
        Assert.Equal(1, values["penguin_auth_failures_total{kind=\"password\"}"]);
        Assert.Equal(1, values["penguin_login_failures_total"]);
        Assert.True(values["penguin_writer_batch_size_count"] >= 1);
        Assert.True(values["penguin_writer_commit_duration_seconds_sum"] > 0);
        Assert.True(values["dotnet_gc_heap_bytes"] > 0);
        Assert.True(values["process_resident_memory_bytes"] > 0);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kestrel_active_connections gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE penguin_message_send_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("penguin_message_send_duration_seconds_bucket{le=\"+Inf\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_HasEverySettingWithItsDefault()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "Penguin.Server", "appsettings.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(path).Build();

        Assert.Empty(ConfigurationCheck.Problems(configuration));
        var bound = configuration.GetSection("Penguin").Get<ServerOptions>()!;
        var defaults = new ServerOptions();
        foreach (var (key, property, owner) in Settings(typeof(ServerOptions), "Penguin"))
        {
            // Set by the operator only: no default to write down (they are in the file as comments).
            if (key is "Penguin:NodeId" or "Penguin:Postgres:ConnectionString" or "Penguin:RabbitMq:Uri" or "Penguin:RabbitMq:NodeLinkHost" or "Penguin:WebRoot" or "Penguin:Files:Directory") continue;
            if (key is "Penguin:Xmpp:CertificatePath" or "Penguin:Xmpp:CertificateKeyPath" or "Penguin:Xmpp:CertificatePassword" or "Penguin:Xmpp:UploadBaseUrl") continue;
            if (key is "Penguin:Bank:Url" or "Penguin:Bank:Secret" or "Penguin:Bank:PublicUrl") continue;
            Assert.True(configuration[key] is not null, $"{key} is missing from appsettings.json");
            Assert.Equal(property.GetValue(owner(defaults)), property.GetValue(owner(bound)));
        }
        Assert.Equal("Information", configuration["Logging:LogLevel:Default"]);
        Assert.Equal("simple", configuration["Logging:Console:FormatterName"]);
    }

    /// <summary>Every leaf setting: its key, its property, and how to reach the object holding it from a ServerOptions.</summary>
    private static IEnumerable<(string Key, PropertyInfo Property, Func<object, object> Owner)> Settings(Type type, string prefix, Func<object, object>? owner = null)
    {
        owner ??= o => o;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{prefix}:{property.Name}";
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (target.IsClass && target != typeof(string) && target != typeof(Uri))
            {
                var outer = owner;
                foreach (var inner in Settings(target, key, o => property.GetValue(outer(o))!)) yield return inner;
            }
            else
            {
                yield return (key, property, owner);
            }
        }
    }

    /// <summary>Series (name with its labels) to value, the way the load tool's ServerMetrics.Parse reads them.</summary>
    private static Dictionary<string, double> Series(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..].Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Penguin.slnx"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("Penguin.slnx not found above " + AppContext.BaseDirectory);
    }
}
