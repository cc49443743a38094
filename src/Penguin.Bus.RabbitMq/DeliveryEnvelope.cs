using System.Buffers.Binary;
using Penguin.Core.Bus;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// The wire form of a <see cref="Delivery"/> between nodes: a fixed 42-byte header, then the frame's bytes
/// unchanged (already the client's JSON, so nothing is parsed or re-encoded on the way). The recipient is the
/// routing key, so one body serves every user of a multi-user publish.
/// <code>
/// 0      version (1)
/// 1      flags (bit 0: EndSession)
/// 2..9   Seq, int64 little-endian
/// 10..17 OnlySession, int64 little-endian
/// 18..33 origin: the publishing bus instance, so a node skips what it already delivered locally
/// 34..41 reserved (zero)
/// 42..   frame
/// </code>
/// </summary>
public static class DeliveryEnvelope
{
    public const int HeaderSize = 42;
    private const byte Version = 1;
    private const byte EndSessionFlag = 1;

    public static byte[] Encode(Delivery delivery, Guid origin)
    {
        var body = new byte[HeaderSize + delivery.Frame.Length];
        var span = body.AsSpan();
        span[0] = Version;
        span[1] = delivery.EndSession ? EndSessionFlag : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(span[2..], delivery.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(span[10..], delivery.OnlySession);
        origin.TryWriteBytes(span[18..34]);
        delivery.Frame.CopyTo(span[HeaderSize..]);
        return body;
    }

    /// <summary>Reads an envelope; false for anything this version does not understand (it is dropped, never guessed at).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out Delivery delivery, out Guid origin)
    {
        delivery = default;
        origin = Guid.Empty;
        if (body.Length < HeaderSize || body[0] != Version) return false;
        origin = new Guid(body[18..34]);
        delivery = new Delivery(
            body[HeaderSize..].ToArray(),
            BinaryPrimitives.ReadInt64LittleEndian(body[2..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[10..]),
            (body[1] & EndSessionFlag) != 0);
        return true;
    }
}
