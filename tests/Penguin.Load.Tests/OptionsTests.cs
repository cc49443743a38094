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

    [Theory]
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
}
