namespace Penguin.Core.Xmpp;

/// <summary>The SCRAM variants the XMPP front end offers (no channel binding, "-PLUS", yet).</summary>
public enum ScramMechanism
{
    /// <summary>SCRAM-SHA-1 (RFC 5802).</summary>
    Sha1 = 1,

    /// <summary>SCRAM-SHA-256 (RFC 7677).</summary>
    Sha256 = 2,
}
