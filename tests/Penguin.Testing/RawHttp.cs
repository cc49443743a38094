using System.Text;

namespace Penguin.Testing;

/// <summary>What tests on raw TCP share: the RFC 6455 sample key and reading a response head without consuming what follows.</summary>
public static class RawHttp
{
    /// <summary>The sample nonce of RFC 6455 §1.3 (its accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=).</summary>
    public const string SampleKey = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>Reads up to the end of the response head, byte by byte so nothing after it is consumed; what arrived if the peer closed first.</summary>
    public static async Task<string> ReadHeadAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0) break;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }
}
