using System.Text;
using Penguin.Core.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>The server side of SCRAM against the published exchanges of RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256).</summary>
public sealed class ScramTests
{
    [Fact]
    public void Sha1_Rfc5802Example_VerifiesAndSigns()
    {
        var credential = Scram.Derive(ScramMechanism.Sha1, "pencil", Convert.FromBase64String("QSXCR+Q6sek8bf92"), 4096);
        var exchange = new ScramExchange(ScramMechanism.Sha1);
        Assert.Null(exchange.ReadClientFirst("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
        Assert.Equal("user", exchange.Username);
        Assert.Equal("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            exchange.ServerFirst(credential.Salt, 4096, "3rfcNHYJY1ZVvWVs7j"));
        Assert.Equal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
            exchange.VerifyClientFinal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", credential));
    }

    [Fact]
    public void Sha256_Rfc7677Example_VerifiesAndSigns()
    {
        var credential = Scram.Derive(ScramMechanism.Sha256, "pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        var exchange = new ScramExchange(ScramMechanism.Sha256);
        Assert.Null(exchange.ReadClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            exchange.ServerFirst(credential.Salt, 4096, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
            exchange.VerifyClientFinal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", credential));
    }

    [Fact]
    public void WrongPassword_WrongNonce_OrNoAccount_AreRefused()
    {
        var right = Scram.Derive(ScramMechanism.Sha256, "pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        var wrong = Scram.Derive(ScramMechanism.Sha256, "crayon", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        const string Final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        ScramExchange Started()
        {
            var exchange = new ScramExchange(ScramMechanism.Sha256);
            exchange.ReadClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
            exchange.ServerFirst(right.Salt, 4096, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
            return exchange;
        }

        Assert.Null(Started().VerifyClientFinal(Final, wrong));
        Assert.Null(Started().VerifyClientFinal(Final, null));
        Assert.Null(Started().VerifyClientFinal(Final.Replace("k0,p=", "k1,p=", StringComparison.Ordinal), right));
        Assert.Null(Started().VerifyClientFinal(Final.Replace("c=biws", "c=eSws", StringComparison.Ordinal), right));
        Assert.Null(Started().VerifyClientFinal("garbage", right));
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("n,,r=abc,n=user")]
    [InlineData("n,,n=us=er,r=abc")]
    [InlineData("n,,n=user,r=")]
    [InlineData("n,,m=ext,n=user,r=abc")]
    [InlineData("")]
    public void MalformedClientFirst_IsRefused(string message) => Assert.NotNull(new ScramExchange(ScramMechanism.Sha256).ReadClientFirst(message));

    [Fact]
    public void Usernames_DecodeCommaAndEquals()
    {
        var exchange = new ScramExchange(ScramMechanism.Sha1);
        Assert.Null(exchange.ReadClientFirst("n,a=10001,n=a=2Cb=3Dc,r=xyz"));
        Assert.Equal("a,b=c", exchange.Username);
        Assert.Equal("10001", exchange.AuthorizationId);
    }

    [Fact]
    public void PreparePassword_NormalizesLikeSaslPrep()
    {
        Assert.Equal(Encoding.UTF8.GetBytes("pencil"), Scram.PreparePassword("pencil"));
        Assert.Equal(Encoding.UTF8.GetBytes("a b"), Scram.PreparePassword("a\u00A0b")); // non-ASCII space → space
        Assert.Equal(Encoding.UTF8.GetBytes("IX"), Scram.PreparePassword("\u2168")); // NFKC: Roman numeral nine
        Assert.Equal(Encoding.UTF8.GetBytes("密码"), Scram.PreparePassword("密\u00AD码")); // soft hyphen maps to nothing
    }
}
