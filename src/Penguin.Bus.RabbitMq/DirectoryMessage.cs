using System.Buffers.Binary;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// The wire form of what nodes tell each other about the users they hold (<see cref="SessionDirectory"/>). Its first
/// byte is never a <see cref="DeliveryEnvelope"/> version, so the two share a queue without being confused.
/// <code>
/// 0      0x20 (a directory message)
/// 1      kind (DirectoryKind)
/// 2..17  origin: the sending bus instance
/// 18..25 seq, int64 little-endian: the sender's announcement number (Hello, Held, Snapshot)
/// 26..33 ack, int64 little-endian: the receiver's announcement number this answers (Snapshot, Applied)
/// 34..37 the number of user ids N, int32 little-endian
/// 38..   N user ids, int64 little-endian each
/// then, in a Hello or Snapshot of a node with a link (optional): its length L, uint16 little-endian, and L bytes: the
///        token and the UTF-8 "host:port" of the node's direct stream (<see cref="LinkAddress"/>)
/// </code>
/// </summary>
public static class DirectoryMessage
{
    public const int HeaderSize = 38;
    private const byte Marker = 0x20;

    public static byte[] Encode(DirectoryKind kind, Guid origin, long seq, long ack, ReadOnlySpan<long> users, ReadOnlySpan<byte> link = default)
    {
        if (link.Length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(link), "A link address of more than 64 KiB.");
        var body = new byte[HeaderSize + users.Length * sizeof(long) + (link.IsEmpty ? 0 : 2 + link.Length)];
        var span = body.AsSpan();
        span[0] = Marker;
        span[1] = (byte)kind;
        origin.TryWriteBytes(span[2..18]);
        BinaryPrimitives.WriteInt64LittleEndian(span[18..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(span[26..], ack);
        BinaryPrimitives.WriteInt32LittleEndian(span[34..], users.Length);
        for (var i = 0; i < users.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(HeaderSize + i * sizeof(long))..], users[i]);
        if (!link.IsEmpty)
        {
            var at = HeaderSize + users.Length * sizeof(long);
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)link.Length);
            link.CopyTo(span[(at + 2)..]);
        }
        return body;
    }

    /// <summary>Whether the body is a directory message at all (whatever its content).</summary>
    public static bool Is(ReadOnlySpan<byte> body) => body.Length > 0 && body[0] == Marker;

    /// <summary>Reads a directory message; false for anything malformed or of an unknown kind (dropped, never guessed at).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out DirectoryKind kind, out Guid origin, out long seq, out long ack, out long[] users) =>
        TryDecode(body, out kind, out origin, out seq, out ack, out users, out _);

    /// <summary>Reads a directory message and the link address it carries (empty when none).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out DirectoryKind kind, out Guid origin, out long seq, out long ack, out long[] users, out ReadOnlySpan<byte> link)
    {
        kind = default;
        origin = Guid.Empty;
        seq = ack = 0;
        users = [];
        link = default;
        if (body.Length < HeaderSize || body[0] != Marker || !Enum.IsDefined((DirectoryKind)body[1])) return false;
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[34..]);
        if (count < 0 || count > (body.Length - HeaderSize) / sizeof(long)) return false;
        var rest = body[(HeaderSize + count * sizeof(long))..];
        if (!rest.IsEmpty)
        {
            // Only a link may follow the users, and it must fill the rest exactly.
            if (rest.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(rest) != rest.Length - 2) return false;
            link = rest[2..];
        }
        kind = (DirectoryKind)body[1];
        origin = new Guid(body[2..18]);
        seq = BinaryPrimitives.ReadInt64LittleEndian(body[18..]);
        ack = BinaryPrimitives.ReadInt64LittleEndian(body[26..]);
        users = new long[count];
        for (var i = 0; i < count; i++) users[i] = BinaryPrimitives.ReadInt64LittleEndian(body[(HeaderSize + i * sizeof(long))..]);
        return true;
    }
}

/// <summary>What a <see cref="DirectoryMessage"/> says.</summary>
public enum DirectoryKind : byte
{
    /// <summary>To every node, after connecting: "these are all the users I hold; tell me yours" (answered by a Snapshot).</summary>
    Hello = 1,

    /// <summary>To every node: "I now hold these users too" (answered by Applied).</summary>
    Held = 2,

    /// <summary>To every node: "I no longer hold these users" (not answered: a stale entry only costs a wasted publish).</summary>
    Released = 3,

    /// <summary>To the node that said Hello: "all the users I hold"; its ack is the Hello's seq (answered by Applied).</summary>
    Snapshot = 4,

    /// <summary>To one node: "I have applied your announcements up to ack".</summary>
    Applied = 5,

    /// <summary>To every node: "I am leaving; forget my users".</summary>
    Bye = 6,

    /// <summary>To every node, every fourth node count (~1 s): "I am still here" (a node silent for 3 s is not waited for).</summary>
    Alive = 7,
}
