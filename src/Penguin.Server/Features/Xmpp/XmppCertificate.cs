using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The certificate STARTTLS presents: the configured one, or a self-signed one for the XMPP domain that is generated
/// on first use into the data directory (xmpp-certificate.pfx, readable by the owner only) and reused afterwards.
/// </summary>
public sealed class XmppCertificate(ServerOptions options, TimeProvider time)
{
    public const string GeneratedFileName = "xmpp-certificate.pfx";
    private readonly Lazy<X509Certificate2> _certificate = new(() => Load(options, time));

    public X509Certificate2 Value => _certificate.Value;

    private static X509Certificate2 Load(ServerOptions options, TimeProvider time)
    {
        var xmpp = options.Xmpp;
        if (!string.IsNullOrWhiteSpace(xmpp.CertificatePath))
        {
            return string.IsNullOrWhiteSpace(xmpp.CertificateKeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(xmpp.CertificatePath, xmpp.CertificatePassword)
                : Reimport(X509Certificate2.CreateFromPemFile(xmpp.CertificatePath, xmpp.CertificateKeyPath));
        }
        var path = Path.Combine(options.DataDirectory, GeneratedFileName);
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, null);
            if (existing.NotAfter > time.GetUtcNow().UtcDateTime.AddDays(30) && existing.GetNameInfo(X509NameType.DnsName, false) == xmpp.Domain) return existing;
        }
        var generated = Generate(xmpp.Domain, time);
        Directory.CreateDirectory(options.DataDirectory);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, generated.Export(X509ContentType.Pkcs12));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        return generated;
    }

    /// <summary>A self-signed ECDSA P-256 certificate for <paramref name="domain"/>, valid for ten years.</summary>
    public static X509Certificate2 Generate(string domain, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(domain);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return Reimport(created);
    }

    /// <summary>A certificate whose key lives in an ephemeral store may not serve TLS on every platform: export and load it again.</summary>
    private static X509Certificate2 Reimport(X509Certificate2 certificate)
    {
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
