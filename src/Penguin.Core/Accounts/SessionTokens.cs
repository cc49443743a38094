using System.Security.Cryptography;
using System.Text;

namespace Penguin.Core.Accounts;

/// <summary>Session tokens: 256 random bits shown once to the device; only their SHA-256 is stored.</summary>
public static class SessionTokens
{
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] HashOf(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
