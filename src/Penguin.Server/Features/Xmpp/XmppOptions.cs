using System.ComponentModel.DataAnnotations;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// The XMPP front end (docs/xmpp.md): client-to-server XMPP on its own TCP port, over the same accounts, sessions,
/// limits and services as the native protocol. Off by default.
/// </summary>
public sealed class XmppOptions
{
    /// <summary>Whether the node listens for XMPP clients.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address to listen on (0.0.0.0 or :: for every interface).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 5222 is XMPP's client port, 0 picks a free one (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 5222;

    /// <summary>The XMPP domain: JIDs are accountNumber@Domain. Clients must name it in their stream header.</summary>
    [Required(AllowEmptyStrings = false), RegularExpression("^[A-Za-z0-9.-]{1,253}$", ErrorMessage = "The field {0} must be a host name (letters, digits, '.' and '-').")]
    public string Domain { get; set; } = "localhost";

    /// <summary>
    /// The TLS certificate: a PKCS#12 file (.pfx/.p12) or a PEM certificate (with <see cref="CertificateKeyPath"/>).
    /// Empty: a self-signed certificate for <see cref="Domain"/> is generated on first run into the data directory.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>, when that is a PEM certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Lets clients on 127.0.0.1/::1 authenticate without STARTTLS (SCRAM only, never PLAIN), for benchmarks as
    /// ejabberd and Prosody allow; every other address must start TLS first.
    /// </summary>
    public bool AllowPlaintextOnLoopback { get; set; }

    /// <summary>
    /// With <see cref="AllowPlaintextOnLoopback"/>, also offers SASL PLAIN without TLS on loopback TCP: for load tools
    /// that speak only PLAIN (tsung), as ejabberd and Prosody can be set to. Off by default; no effect elsewhere.
    /// </summary>
    public bool AllowPlainAuthOnLoopback { get; set; }

    /// <summary>The largest stanza (or stream header) in bytes; a larger one ends the stream with policy-violation.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxStanzaBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How long a resumable stream (XEP-0198) whose connection dropped stays resumable: its resource stays online and
    /// keeps what arrives. Beyond it the session goes offline; what was not acknowledged remains in the history.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most stanzas kept unacknowledged per stream (XEP-0198); beyond it the stream ends with policy-violation.</summary>
    [Range(10, 100_000)]
    public int MaxUnackedStanzas { get; set; } = 1000;

    /// <summary>
    /// The public base URL of this node's HTTP port (https://chat.example.com), for XEP-0363 upload URLs. Empty: the
    /// first address the node listens on (a wildcard one named by <see cref="Domain"/>).
    /// </summary>
    public string? UploadBaseUrl { get; set; }

    /// <summary>The deepest element nesting accepted inside one stanza.</summary>
    [Range(4, 1000)]
    public int MaxStanzaDepth { get; set; } = 32;

    /// <summary>
    /// The most distinct names (element, attribute, prefix, namespace) the parser keeps for one stream, with at most
    /// 64 characters each on average; beyond it the stream ends with policy-violation. Each stream restart (after
    /// STARTTLS and SASL) starts a new budget.
    /// </summary>
    [Range(100, 1_000_000)]
    public int MaxStreamNames { get; set; } = 1000;
}
