using System.Security.Cryptography;
using System.Text;

namespace Penguin.Core.Accounts;

/// <summary>PBKDF2-SHA512 password hashes in the self-describing form "pbkdf2-sha512$iterations$salt$hash".</summary>
public sealed class PasswordHasher(int iterations = PasswordHasher.DefaultIterations)
{
    public const int DefaultIterations = 100_000;
    private const int SaltBytes = 16, HashBytes = 32;
    private const string Scheme = "pbkdf2-sha512";

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var n)) return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, n, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A hash to verify against when the account does not exist, so both answers take the same time.</summary>
    public string DummyHash => _dummyHash ??= Hash("penguin-dummy-password");

    private string? _dummyHash;
}
