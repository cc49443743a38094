using System.Security.Cryptography;
using System.Text;

namespace Penguin.Core.Xmpp;

/// <summary>The SCRAM primitives (RFC 5802 §2.2, §3), for SHA-1 and SHA-256.</summary>
public static class Scram
{
    /// <summary>RFC 7677 asks for at least 4096; ejabberd and Prosody use 4096.</summary>
    public const int DefaultIterations = 4096;

    public const int SaltBytes = 16;

    public static string Name(ScramMechanism mechanism) => mechanism switch
    {
        ScramMechanism.Sha1 => "SCRAM-SHA-1",
        ScramMechanism.Sha256 => "SCRAM-SHA-256",
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism)),
    };

    public static HashAlgorithmName Algorithm(ScramMechanism mechanism) =>
        mechanism == ScramMechanism.Sha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;

    /// <summary>
    /// The password as SCRAM hashes it. Full SASLprep (RFC 4013) is stringprep; this applies its normalization (NFKC)
    /// and maps non-ASCII spaces to a space, which is what it does to every password a person types in practice.
    /// </summary>
    public static byte[] PreparePassword(string password)
    {
        var mapped = new StringBuilder(password.Length);
        foreach (var c in password)
        {
            if (c is '\u00AD' or '\u200B' or '\u2060' or '\uFEFF' or '\u180B' or '\u180C' or '\u180D' or '\u200C' or '\u200D') continue; // mapped to nothing
            mapped.Append(char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator ? ' ' : c);
        }
        return Encoding.UTF8.GetBytes(mapped.ToString().Normalize(NormalizationForm.FormKC));
    }

    /// <summary>Derives the stored credential: SaltedPassword = Hi(password, salt, i), then ClientKey, StoredKey and ServerKey.</summary>
    public static ScramCredential Derive(ScramMechanism mechanism, string password, byte[] salt, int iterations)
    {
        var algorithm = Algorithm(mechanism);
        var length = mechanism == ScramMechanism.Sha1 ? 20 : 32;
        var salted = Rfc2898DeriveBytes.Pbkdf2(PreparePassword(password), salt, iterations, algorithm, length);
        var clientKey = Hmac(algorithm, salted, "Client Key"u8);
        var serverKey = Hmac(algorithm, salted, "Server Key"u8);
        return new ScramCredential(mechanism, iterations, salt, Hash(algorithm, clientKey), serverKey);
    }

    // SCRAM-SHA-1 is offered because many clients speak nothing newer; SHA-1 in HMAC and PBKDF2 is not broken.
    public static byte[] Hmac(HashAlgorithmName algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        CryptographicOperations.HmacData(algorithm, key, data);

    public static byte[] Hash(HashAlgorithmName algorithm, ReadOnlySpan<byte> data) =>
        CryptographicOperations.HashData(algorithm, data);

    /// <summary>The fingerprint of a stored password hash that ties derived credentials to it.</summary>
    public static byte[] PasswordCheck(string passwordHash) => SHA256.HashData(Encoding.UTF8.GetBytes("penguin-scram|" + passwordHash));
}
