using System.Net;

namespace Penguin.Load.Net;

/// <summary>
/// Local source addresses 127.0.0.2, 127.0.0.3 … handed out round-robin. Linux routes all of 127/8 to the
/// loopback interface, and each source address has its own ephemeral ports, so spreading connections over
/// many of them lifts the ~28,000-connection ceiling of a single (source, destination) pair.
/// </summary>
public sealed class SourceAddressPool
{
    public const int MaxAddresses = 253; // 127.0.0.2 … 127.0.0.254

    private readonly IPAddress[] _addresses;
    private long _next = -1;

    public SourceAddressPool(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxAddresses);
        _addresses = [.. Enumerable.Range(2, count).Select(i => new IPAddress([127, 0, 0, (byte)i]))];
    }

    public IReadOnlyList<IPAddress> Addresses => _addresses;

    public IPAddress Next() => _addresses[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_addresses.Length)];
}
