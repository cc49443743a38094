using System.Buffers;
using System.Net.WebSockets;

namespace Penguin.Server.Gateway;

/// <summary>A received message in a pooled buffer; return it with <see cref="Dispose"/>.</summary>
public readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type, bool TooLarge, bool Ended = false) : IDisposable
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Dispose()
    {
        if (Buffer is not null) ArrayPool<byte>.Shared.Return(Buffer, clearArray: true);
    }
}
