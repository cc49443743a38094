using System.Text;
using System.Text.Json;
using Penguin.Load.Net;

namespace Penguin.Load.Tests;

public class WireDeviceTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(123L)]
    [InlineData(long.MaxValue)]
    public void WriteAck_AnySeq_IsValidJsonWithOpAckAndTheSeq(long seq)
    {
        Span<byte> buffer = stackalloc byte[WireDevice.AckMaxLength];

        var length = WireDevice.WriteAck(buffer, seq);

        var bytes = buffer[..length].ToArray();
        using var document = JsonDocument.Parse(bytes); // a malformed frame throws here
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal("ack", root.GetProperty("op").GetString());
        Assert.Equal(seq, root.GetProperty("seq").GetInt64());
        Assert.Equal(2, root.EnumerateObject().Count());
        Assert.Equal($"{{\"op\":\"ack\",\"seq\":{seq}}}", Encoding.UTF8.GetString(bytes));
    }
}
