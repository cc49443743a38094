using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// How the merchant (Penguin) and the bank (penguin-bank) sign what they send each other, both ways: HMAC-SHA256 with
/// the shared secret over "{timestamp}\n{METHOD}\n{path}\n{body}", hex, in <see cref="SignatureHeader"/>, the Unix
/// seconds in <see cref="TimestampHeader"/>. The timestamp must be within the replay window of the receiver's clock,
/// so a captured request cannot be replayed later; within it, replays are harmless (every request is idempotent).
/// </summary>
public static class BankSignature
{
    public const string TimestampHeader = "X-Bank-Timestamp";
    public const string SignatureHeader = "X-Bank-Signature";

    public static string Sign(string secret, long timestamp, string method, string path, ReadOnlySpan<byte> body)
    {
        var head = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{timestamp}\n{method.ToUpperInvariant()}\n{path}\n"));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(head);
        hmac.AppendData(body);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    /// <summary>True when <paramref name="signature"/> is the signature of this request and its timestamp is within <paramref name="window"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? timestamp, string? signature, string method, string path, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan window)
    {
        if (timestamp is null || signature is null || signature.Length != 64) return false;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)window.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, seconds, method, path, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }
}
