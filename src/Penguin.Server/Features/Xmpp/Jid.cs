namespace Penguin.Server.Features.Xmpp;

/// <summary>A JID as Penguin uses it: localpart@domain[/resource] (RFC 7622, without stringprep beyond lower-casing the domain).</summary>
internal readonly record struct Jid(string? Local, string Domain, string? Resource)
{
    public static Jid? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 3071) return null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var bare = slash < 0 ? text : text[..slash];
        var resource = slash < 0 ? null : text[(slash + 1)..];
        if (resource is { Length: 0 }) return null;
        var at = bare.IndexOf('@', StringComparison.Ordinal);
        var local = at < 0 ? null : bare[..at];
        var domain = at < 0 ? bare : bare[(at + 1)..];
        if (local is { Length: 0 } || domain.Length == 0 || domain.Contains('@', StringComparison.Ordinal)) return null;
        return new Jid(local, domain.ToLowerInvariant(), resource);
    }

    /// <summary>The account number when the JID is number@<paramref name="domain"/>.</summary>
    public long? NumberAt(string domain) =>
        Domain == domain && Local is { Length: > 0 and <= 18 } local && local.All(char.IsAsciiDigit) && long.TryParse(local, out var n) && n > 0 ? n : null;

    public static string Bare(long number, string domain) => $"{number}@{domain}";
}
