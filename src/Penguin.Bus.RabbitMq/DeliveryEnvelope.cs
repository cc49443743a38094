using System.Buffers.Binary;
using Penguin.Core.Bus;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// The wire form of a <see cref="Delivery"/> between nodes: a fixed 42-byte header, the recipients (version 2
/// only), then the frame's bytes unchanged (already the client's JSON, so nothing is parsed or re-encoded on the
/// way). Version 1 has one recipient, the routing key. Version 2 carries its recipients in the body, so one copy
/// reaches each node that holds any of them (the publish names them all as routing keys) and that node hands it
/// to those of them it holds: a group message crosses to each node once, not once per member.
/// <code>
/// 0      version (1 or 2)
/// 1      flags (bit 0: EndSession)
/// 2..9   Seq, int64 little-endian
/// 10..17 OnlySession, int64 little-endian
/// 18..33 origin: the publishing bus instance, so a node skips what it already delivered locally
/// 34..37 version 2: the number of recipients N, int32 little-endian; version 1: zero
/// 38..41 reserved (zero)
/// 42..   version 2: N user ids, int64 little-endian each; then the frame
/// </code>
/// </summary>
public static class DeliveryEnvelope
{
    public const int HeaderSize = 42;
    private const byte Single = 1;
    private const byte Many = 2;
    private const byte EndSessionFlag = 1;

    /// <summary>An envelope for the one user named by the routing key.</summary>
    public static byte[] Encode(Delivery delivery, Guid origin) => Encode(delivery, origin, []);

    /// <summary>An envelope naming its recipients; with none, the routing key is the recipient (version 1).</summary>
    public static byte[] Encode(Delivery delivery, Guid origin, ReadOnlySpan<long> recipients)
    {
        var listBytes = recipients.Length * sizeof(long);
        var body = new byte[HeaderSize + listBytes + delivery.Frame.Length];
        var span = body.AsSpan();
        span[0] = recipients.IsEmpty ? Single : Many;
        span[1] = delivery.EndSession ? EndSessionFlag : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(span[2..], delivery.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(span[10..], delivery.OnlySession);
        origin.TryWriteBytes(span[18..34]);
        BinaryPrimitives.WriteInt32LittleEndian(span[34..], recipients.Length);
        for (var i = 0; i < recipients.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(HeaderSize + i * sizeof(long))..], recipients[i]);
        delivery.Frame.CopyTo(span[(HeaderSize + listBytes)..]);
        return body;
    }

    /// <summary>
    /// Reads an envelope; false for anything this version does not understand (it is dropped, never guessed at).
    /// <paramref name="recipients"/> is empty for version 1, whose recipient is the routing key.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out Delivery delivery, out Guid origin, out long[] recipients)
    {
        delivery = default;
        origin = Guid.Empty;
        recipients = [];
        if (body.Length < HeaderSize || body[0] is not (Single or Many)) return false;
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[34..]);
        if (body[0] == Single ? count != 0 : count < 1 || count > (body.Length - HeaderSize) / sizeof(long)) return false;
        recipients = new long[count];
        for (var i = 0; i < count; i++) recipients[i] = BinaryPrimitives.ReadInt64LittleEndian(body[(HeaderSize + i * sizeof(long))..]);
        origin = new Guid(body[18..34]);
        delivery = new Delivery(
            body[(HeaderSize + count * sizeof(long))..].ToArray(),
            BinaryPrimitives.ReadInt64LittleEndian(body[2..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[10..]),
            (body[1] & EndSessionFlag) != 0);
        return true;
    }
}

/// <summary>
/// Several envelopes for one node in one broker message, sent to the node's own key once the publisher knows where
/// each user is (<see cref="SessionDirectory"/>): the broker's cost is per message, so the deliveries a node gathers
/// while its previous publish is on the way cross together.
/// <code>
/// 0      0x30 (a batch)
/// 1..4   the number of envelopes N, int32 little-endian
/// then N times: the envelope's length L, int32 little-endian, and its L bytes (a version 2 envelope)
/// </code>
/// </summary>
public static class DeliveryBatch
{
    private const byte Marker = 0x30;

    public static byte[] Encode(IReadOnlyList<byte[]> envelopes)
    {
        var body = new byte[5 + envelopes.Sum(e => 4 + e.Length)];
        body[0] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(1), envelopes.Count);
        var at = 5;
        foreach (var envelope in envelopes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(at), envelope.Length);
            envelope.CopyTo(body.AsSpan(at + 4));
            at += 4 + envelope.Length;
        }
        return body;
    }

    public static bool Is(ReadOnlySpan<byte> body) => body.Length > 0 && body[0] == Marker;

    /// <summary>The envelopes of a batch, in order; false (and nothing) for a batch that does not add up.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out List<(Delivery Delivery, Guid Origin, long[] Recipients)> envelopes)
    {
        envelopes = [];
        if (body.Length < 5 || body[0] != Marker) return false;
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[1..]);
        var at = 5;
        for (var i = 0; i < count; i++)
        {
            if (body.Length - at < 4) return false;
            var length = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
            if (length < 0 || length > body.Length - at - 4) return false;
            if (!DeliveryEnvelope.TryDecode(body.Slice(at + 4, length), out var delivery, out var origin, out var recipients)) return false;
            envelopes.Add((delivery, origin, recipients));
            at += 4 + length;
        }
        return at == body.Length;
    }
}
