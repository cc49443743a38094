namespace Penguin.Load.Tests;

public class OptionsTests
{
    [Fact]
    public void Parse_FullCommand_ReadsEveryOption()
    {
        var o = LoadOptions.Parse(["idle", "--server", "http://localhost:5180", "--users", "1000", "--duration", "30s", "--server-pid", "42", "--out", "x"]);

        Assert.Equal("idle", o.Scenario);
        Assert.Equal("127.0.0.1", o.Server.Host);
        Assert.Equal(1000, o.Users);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Duration);
        Assert.Equal(42, o.ServerPid);
    }

    [Fact]
    public void Parse_ChatOptions_PairsAreTwoUsersAndRateMaxMeansUnpaced()
    {
        var o = LoadOptions.Parse(["chat", "--pairs", "1000", "--rate", "max", "--window", "16"]);

        Assert.Equal(2000, o.Users);
        Assert.Null(o.Rate);
        Assert.Equal(16, o.Window);
        Assert.Equal(2.5, LoadOptions.Parse(["chat", "--rate", "2.5"]).Rate);
    }

    [Fact]
    public void Parse_Warmup_ReadForChatAndRefusedElsewhere()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), LoadOptions.Parse(["chat", "--warmup", "10s"]).Warmup);
        Assert.Null(LoadOptions.Parse(["chat"]).Warmup);
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["group", "--warmup", "10s"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["chat", "--warmup", "soon"]));
    }

    [Fact]
    public void Parse_CatchUp_UsersAreSendersPlusRecipient()
    {
        var o = LoadOptions.Parse(["catchup", "--senders", "50", "--messages", "100000"]);

        Assert.Equal(51, o.Users);
        Assert.Equal(100_000, o.Messages);
    }

    [Theory]
    [InlineData("--rate", "0")]
    [InlineData("--rate", "fast")]
    [InlineData("--window", "257")]
    [InlineData("--messages", "1000001")]
    [InlineData("--users", "60001")]
    [InlineData("--duration", "16m")]
    [InlineData("--server", "http://10.0.0.1:5180")]
    [InlineData("--server", "http://example.com")]
    public void Parse_BeyondCapsOrOffLoopback_Refused(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["idle", name, value]));
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("2m", 120)]
    [InlineData("45", 45)]
    public void Time_Units_Parsed(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), LoadOptions.Time("--duration", text, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void UnwritablePaths_NameEachOption_BeforeTheRun()
    {
        var root = Path.Combine(Path.GetTempPath(), "penguin-load-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var file = Path.Combine(root, "a-file");
        File.WriteAllText(file, "");
        try
        {
            var writable = LoadOptions.Parse(["chat", "--out", Path.Combine(root, "reports"), "--users-file", Path.Combine(root, "users.json")]);
            var blocked = LoadOptions.Parse(["chat", "--out", Path.Combine(file, "reports"), "--users-file", Path.Combine(file, "users.json")]);

            Assert.Empty(writable.UnwritablePaths());
            Assert.True(Directory.Exists(Path.Combine(root, "reports")));
            Assert.Collection(blocked.UnwritablePaths(),
                p => Assert.StartsWith($"--out {Path.Combine(file, "reports")}: cannot write there", p, StringComparison.Ordinal),
                p => Assert.StartsWith($"--users-file {Path.Combine(file, "users.json")}: cannot write there", p, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
