using System.Net;
using System.Net.Sockets;
using Penguin.Testing;

namespace Penguin.Server.Tests;

/// <summary>
/// Each way a node can fail to start with something an operator can fix: one line on standard error naming what
/// to fix, a documented exit code (docs/operations.md, "Exit codes"), and no stack trace.
/// </summary>
public sealed class StartupFailureTests
{
    private static string[] Args(string dataDirectory, params string[] more) =>
        ["--urls", "http://127.0.0.1:0", $"--Penguin:DataDirectory={dataDirectory}", .. more];

    private static void AssertOneLine(ServerRun.Outcome outcome, int exitCode, params string[] mentions)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        var line = Assert.Single(outcome.ErrorLines);
        Assert.StartsWith(outcome.Program + ": ", line, StringComparison.Ordinal);
        foreach (var mention in mentions) Assert.Contains(mention, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", outcome.Output + outcome.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Penguin:Storage=mysql", "Penguin:Storage", "sqlite, postgres")]
    [InlineData("--Penguin:Bus=kafka", "Penguin:Bus", "inprocess, rabbitmq")]
    [InlineData("--Penguin:Messaging:SendsPerSecond=0", "Penguin:Messaging:SendsPerSecond", "between 1 and")]
    [InlineData("--Penguin:Messaging:SendsPerSecond=many", "Penguin:Messaging:SendsPerSecond", "not a whole number")]
    [InlineData("--Penguin:HeartbeatTimeout=00:00:00", "Penguin:HeartbeatTimeout", "between 00:00:01 and 01:00:00")]
    [InlineData("--Penguin:HeartbeatTimeout=soon", "Penguin:HeartbeatTimeout", "not a duration")]
    [InlineData("--Penguin:Accounts:PasswordIterations=10", "Penguin:Accounts:PasswordIterations", "between 1000 and")]
    [InlineData("--Penguin:HeartbeatTimout=00:00:10", "Penguin:HeartbeatTimout", "is not a setting")]
    [InlineData("--Penguin:Messaging:SendPerSecond=5", "Penguin:Messaging:SendPerSecond", "is not a setting")]
    [InlineData("--Penguin:NodeId=a b", "Penguin:NodeId", "letters, digits")]
    [InlineData("--Penguin:Messaging=fast", "Penguin:Messaging", "is a section")]
    [InlineData("--Penguin:Storage=postgres", "Penguin:Postgres:ConnectionString", "must be set")]
    [InlineData("--Penguin:Bus=rabbitmq", "Penguin:RabbitMq:Uri", "must be set")]
    [InlineData("--Penguin:RabbitMq:NodeLink=7400", "Penguin:RabbitMq:NodeLink", "address:port")]
    [InlineData("--Penguin:RabbitMq:NodeLink=", "Penguin:RabbitMq:NodeLink", "address:port")]
    [InlineData("--Penguin:RabbitMq:NodeLink=0.0.0.0:7400", "Penguin:RabbitMq:NodeLinkHost", "other nodes reach")]
    [InlineData("--Penguin:RabbitMq:NodeLinkHost=a b", "Penguin:RabbitMq:NodeLinkHost", "host name or IP")]
    public async Task Start_BadSetting_OneLineNamingItAndExitCode78(string setting, string name, string reason)
    {
        var data = ServerRun.TempDirectory();

        var outcome = await ServerRun.UntilExitAsync(Args(data, setting));

        AssertOneLine(outcome, 78, "configuration error", name, reason);
        Assert.False(File.Exists(Path.Combine(data, "penguin.db")), "a refused configuration must not create the database");
    }

    [Theory]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:abc")]
    [InlineData("ftp://127.0.0.1:80")]
    [InlineData("garbage")]
    [InlineData("http://:80")]
    [InlineData("http://localhost:0")]
    [InlineData("http://127.0.0.1:0;nonsense")]
    public async Task Start_BadListenAddress_OneLineNamingItAndExitCode78(string urls)
    {
        var data = ServerRun.TempDirectory();

        var outcome = await ServerRun.UntilExitAsync(Args(data, "--urls", urls));

        AssertOneLine(outcome, 78, "configuration error", "urls = '");
        Assert.False(File.Exists(Path.Combine(data, "penguin.db")), "a refused configuration must not create the database");
    }

    [Fact]
    public async Task Start_AddressNotOfThisMachine_OneLineAndExitCode69()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a machine.
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--urls", "http://192.0.2.1:5180"));

        AssertOneLine(outcome, 69, "cannot listen", "--urls");
    }

    [Fact]
    public async Task Start_HttpsWithoutCertificate_OneLineAndExitCode78()
    {
        // A HOME of its own: no ASP.NET Core development certificate from this machine's user to fall back on.
        var home = new Dictionary<string, string> { ["HOME"] = ServerRun.TempDirectory() };
        var outcome = await ServerRun.UntilExitAsync(home, Args(ServerRun.TempDirectory(), "--urls", "https://127.0.0.1:0"));

        AssertOneLine(outcome, 78, "configuration error", "https", "TLS");
    }

    [Theory]
    [InlineData("--Penguin:Bank:Secret=short", "Penguin:Bank:Secret", "at least 16")]
    [InlineData("--Penguin:Bank:NotifyPath=notify", "Penguin:Bank:NotifyPath", "starting with")]
    public async Task Start_BadBankSetting_OneLineNamingItAndExitCode78(string setting, string name, string reason)
    {
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Bank:Url=http://127.0.0.1:6699/", "--Penguin:Bank:Secret=0123456789abcdef", setting));

        Assert.Equal(78, outcome.ExitCode);
        Assert.Contains(outcome.ErrorLines, l => l.Contains("configuration error", StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Penguin:Xmpp:Address=not-an-ip", "Penguin:Xmpp:Address", "IP address")]
    [InlineData("--Penguin:Xmpp:Domain=", "Penguin:Xmpp:Domain", "must be set")]
    [InlineData("--Penguin:Xmpp:CertificatePath=/nonexistent/xmpp.pfx", "Penguin:Xmpp:CertificatePath", "does not exist")]
    [InlineData("--Penguin:Xmpp:CertificateKeyPath=/nonexistent/xmpp.key", "Penguin:Xmpp:CertificateKeyPath", "does not exist")]
    public async Task Start_BadXmppSetting_OneLineNamingItAndExitCode78(string setting, string name, string reason)
    {
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Xmpp:Enabled=true", "--Penguin:Xmpp:Port=0", setting));

        Assert.Equal(78, outcome.ExitCode);
        Assert.Contains(outcome.ErrorLines, l => l.Contains("configuration error", StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", outcome.Output + outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_XmppCertificateUnreadable_OneLineAndExitCode78()
    {
        var data = ServerRun.TempDirectory();
        var certificate = Path.Combine(data, "broken.pfx");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(certificate, "not a certificate", TestContext.Current.CancellationToken);

        var outcome = await ServerRun.UntilExitAsync(Args(data, "--Penguin:Xmpp:Enabled=true", "--Penguin:Xmpp:Port=0", $"--Penguin:Xmpp:CertificatePath={certificate}"));

        AssertOneLine(outcome, 78, "configuration error", "Penguin:Xmpp:CertificatePath", "cannot be loaded");
    }

    [Fact]
    public async Task Start_XmppPortInUse_OneLineAndExitCode69()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Xmpp:Enabled=true", $"--Penguin:Xmpp:Port={port}"));

        AssertOneLine(outcome, 69, "cannot listen for XMPP", $"127.0.0.1:{port}", "Penguin:Xmpp:Port");
    }

    [Fact]
    public async Task Start_NodeLinkPortInUse_OneLineAndExitCode69()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        // The link listens before the node reaches for the broker, so an unreachable one does not matter here.
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Bus=rabbitmq", "--Penguin:RabbitMq:Uri=amqp://127.0.0.1:1/",
            $"--Penguin:RabbitMq:NodeLink=127.0.0.1:{port}"));

        AssertOneLine(outcome, 69, "cannot listen", $"127.0.0.1:{port}", "Penguin:RabbitMq:NodeLink");
    }

    [Fact]
    public async Task Start_PortInUse_OneLineAndExitCode69()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var outcome = await ServerRun.UntilExitAsync("--urls", $"http://127.0.0.1:{port}", $"--Penguin:DataDirectory={ServerRun.TempDirectory()}");

        AssertOneLine(outcome, 69, "cannot listen", $"127.0.0.1:{port}", "address already in use", "--urls");
    }

    [Fact]
    public async Task Start_DataDirectoryNotWritable_OneLineAndExitCode73()
    {
        // A regular file where a directory must be: fails for every user, root included.
        var blocker = Path.Combine(ServerRun.TempDirectory(), "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");

        var outcome = await ServerRun.UntilExitAsync(Args(Path.Combine(blocker, "data")));

        AssertOneLine(outcome, 73, "Penguin:DataDirectory", "not writable");
    }

    [Fact]
    public async Task Start_SecondNodeOnTheSameDataDirectory_OneLineAndExitCode69_TheFirstServesOn()
    {
        await using var first = await TestServer.StartAsync();
        var alice = await first.RegisterAsync("Alice");

        var outcome = await ServerRun.UntilExitAsync(Args(first.DataDirectory));

        AssertOneLine(outcome, 69, "another penguin-server", first.DataDirectory, "Penguin:DataDirectory");
        var bob = await first.RegisterAsync("Bob");
        Assert.Equal(alice.Number + 1, bob.Number);
    }

    private static string[] BankArgs(string url, string dataFile) =>
        ["--urls", url, "--Bank:Secret=0123456789abcdef-test", $"--Bank:DataFile={dataFile}"];

    [Fact]
    public async Task Bank_BadListenAddress_OneLineAndExitCode78()
    {
        var outcome = await ServerRun.BankUntilExitAsync(BankArgs("http://127.0.0.1:99999", Path.Combine(ServerRun.TempDirectory(), "bank.db")));

        AssertOneLine(outcome, 78, "urls = 'http://127.0.0.1:99999'", "port 0–65535");
    }

    [Fact]
    public async Task Bank_PortInUse_OneLineAndExitCode69()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var outcome = await ServerRun.BankUntilExitAsync(BankArgs($"http://127.0.0.1:{port}", Path.Combine(ServerRun.TempDirectory(), "bank.db")));

        AssertOneLine(outcome, 69, "cannot listen", $"127.0.0.1:{port}", "address already in use");
    }

    [Fact]
    public async Task Bank_RecordsNotWritable_OneLineAndExitCode73()
    {
        var blocker = Path.Combine(ServerRun.TempDirectory(), "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");

        var outcome = await ServerRun.BankUntilExitAsync(BankArgs("http://127.0.0.1:0", Path.Combine(blocker, "bank.db")));

        AssertOneLine(outcome, 73, "Bank:DataFile", "cannot be opened");
    }

    [Fact]
    public async Task Bank_DamagedRecords_OneLineAndExitCode65_FileUntouched()
    {
        var file = Path.Combine(ServerRun.TempDirectory(), "bank.db");
        var garbage = new byte[16384];
        new Random(12).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage);

        var outcome = await ServerRun.BankUntilExitAsync(BankArgs("http://127.0.0.1:0", file));

        AssertOneLine(outcome, 65, file, "damaged");
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Start_DamagedDatabase_OneLineAndExitCode65_FileUntouched()
    {
        var data = ServerRun.TempDirectory();
        var file = Path.Combine(data, "penguin.db");
        var garbage = new byte[16384];
        new Random(11).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage);

        var outcome = await ServerRun.UntilExitAsync(Args(data));

        AssertOneLine(outcome, 65, file, "damaged", "backup");
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Start_PostgresUnreachable_OneLineWithoutPasswordAndExitCode69()
    {
        // Port 1 on loopback: nothing listens there.
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Storage=postgres",
            "--Penguin:Postgres:ConnectionString=Host=127.0.0.1;Port=1;Username=penguin;Password=s3cret-pw;Database=penguin;Timeout=5"));

        AssertOneLine(outcome, 69, "cannot reach PostgreSQL at 127.0.0.1:1/penguin", "Penguin:Postgres:ConnectionString");
        Assert.DoesNotContain("s3cret-pw", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TwoBadSettings_OneLineEach()
    {
        var outcome = await ServerRun.UntilExitAsync(Args(ServerRun.TempDirectory(), "--Penguin:Storage=mysql", "--Penguin:Colour=blue"));

        Assert.Equal(78, outcome.ExitCode);
        Assert.Equal(2, outcome.ErrorLines.Count);
        Assert.Contains(outcome.ErrorLines, l => l.Contains("Penguin:Storage", StringComparison.Ordinal));
        Assert.Contains(outcome.ErrorLines, l => l.Contains("Penguin:Colour", StringComparison.Ordinal));
    }
}
