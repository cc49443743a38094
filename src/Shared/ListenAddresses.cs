using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Penguin.Hosting;

/// <summary>
/// The listen addresses of penguin-server and penguin-bank (--urls, ASPNETCORE_URLS): checked before Kestrel reads
/// them, and its failures to bind said in one line. Kestrel would throw on a bad address deep inside its start, or read
/// "http://host:abc" as a host named "host:abc" on port 80. Compiled into both programs (a linked source file).
/// </summary>
internal static class ListenAddresses
{
    private const string Expected = "expected http://host:port or https://host:port (port 0–65535), several separated by ';' / 应为 http://主机:端口";

    /// <summary>What is wrong with <paramref name="urls"/>, one line per address: each must be http(s)://host:port with a port 0–65535, or a Unix socket (http://unix:/path).</summary>
    public static IEnumerable<string> Problems(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = Parse(url);
            if (address is { IsUnixPipe: true }) continue;
            if (address is null || address.Host.Length == 0 || (address.Host.Contains(':', StringComparison.Ordinal) && !address.Host.StartsWith('['))
                || address.Port is < 0 or > 65535)
                yield return $"urls = '{url}': {Expected}.";
            else if (address.Port == 0 && address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                yield return $"urls = '{url}': port 0 (any free port) needs an address, not localhost: use 127.0.0.1 or [::1] / 端口 0 需要写 IP 地址。";
        }
    }

    /// <summary>One line for Kestrel failing to listen where it was told (exit 69), or null for any other exception.</summary>
    public static string? BindFailure(Exception e) => e switch
    {
        IOException { InnerException: AddressInUseException } io =>
            $"cannot listen / 无法监听: {io.Message} Stop the other process or choose another port with --urls (ASPNETCORE_URLS).",
        IOException { InnerException: SocketException socket } io when io.Message.StartsWith("Failed to bind", StringComparison.Ordinal) =>
            $"cannot listen / 无法监听: {io.Message} ({socket.Message})",
        // An address that is not this machine's, or a port the user may not take, comes as the bare socket error.
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable or SocketError.AccessDenied } socket =>
            $"cannot listen / 无法监听: {socket.Message}. Choose an address of this machine and a port it may use with --urls (ASPNETCORE_URLS).",
        AggregateException { InnerExceptions.Count: 1 } a => BindFailure(a.InnerExceptions[0]),
        _ => null,
    };

    /// <summary>Kestrel's reading of one address, or null when it is not one or not http(s).</summary>
    private static BindingAddress? Parse(string url)
    {
        try
        {
            var address = BindingAddress.Parse(url);
            return address.Scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? address : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
