using System.ComponentModel.DataAnnotations;

namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// The bank gateway (Penguin:Bank, docs/operations.md "The bank gateway"): where penguin-bank listens, the secret both
/// sign with, where it calls back, and how pending payments are chased. Top-up and withdrawal are off while
/// <see cref="Url"/> is empty.
/// </summary>
public sealed class BankOptions
{
    /// <summary>penguin-bank's base address, e.g. http://127.0.0.1:6600/. Empty: no bank, top-up and withdrawal answer bank_unavailable.</summary>
    public string? Url { get; set; }

    /// <summary>The shared secret of the HMAC-SHA256 signatures (at least 16 characters); the same as penguin-bank's Bank:Secret.</summary>
    public string? Secret { get; set; }

    /// <summary>The path of the callback endpoint the bank is told to notify.</summary>
    public string NotifyPath { get; set; } = "/api/v1/wallet/bank/notify";

    /// <summary>The address the bank reaches this server at (scheme, host, port); empty: the first address the server listens on.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>How long a call to the bank may take before its outcome counts as unknown (the payment stays pending).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far a signed callback's timestamp may be from this server's clock.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often pending payments are looked up at the bank.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How old a pending payment must be before it is looked up (its callback usually comes first).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PollAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A pending payment the bank still does not know after this never reached it: it fails (a withdrawal's money returns).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromMinutes(10);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The problems of the settings, empty when none (checked at startup: the server exits 78 with them).</summary>
    public IEnumerable<string> Problems()
    {
        if (!IsConfigured) yield break;
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            yield return $"Penguin:Bank:Url must be an http:// or https:// address (got '{Url}') / 银行网关地址须为 http(s) 地址.";
        if (Secret is not { Length: >= 16 })
            yield return "Penguin:Bank:Secret must be set to at least 16 characters when Penguin:Bank:Url is set / 银行密钥至少 16 个字符.";
        if (!NotifyPath.StartsWith('/') || NotifyPath.Contains('?', StringComparison.Ordinal))
            yield return $"Penguin:Bank:NotifyPath must be a path starting with '/' (got '{NotifyPath}') / 回调路径须以 / 开头.";
        if (!string.IsNullOrEmpty(PublicUrl) && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var pub) || pub.Scheme is not ("http" or "https")))
            yield return $"Penguin:Bank:PublicUrl must be an http:// or https:// address (got '{PublicUrl}') / 回调公网地址须为 http(s) 地址.";
        if (AbandonAfter <= RequestTimeout)
            yield return $"Penguin:Bank:AbandonAfter ({AbandonAfter}) must be longer than Penguin:Bank:RequestTimeout ({RequestTimeout}) / 放弃时间须长于请求超时.";
    }
}
