namespace Penguin.Server.Tests;

/// <summary>A request body that breaks off after <paramref name="failAfter"/> bytes, as a connection dropping mid-upload does.</summary>
internal sealed class BreakingStream(byte[] bytes, int failAfter) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => bytes.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= failAfter) throw new IOException("The connection dropped.");
        var n = Math.Min(count, failAfter - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Real pictures made with the server's own imaging library.</summary>
internal static class Pictures
{
    public static byte[] Jpeg(int width, int height)
    {
        using var image = NetVips.Image.Black(width, height, bands: 3).Linear(new double[] { 1, 1, 1 }, new double[] { 200, 120, 40 }).Cast(NetVips.Enums.BandFormat.Uchar);
        return image.JpegsaveBuffer(q: 85);
    }

    public static byte[] Png(int width, int height)
    {
        using var image = NetVips.Image.Black(width, height, bands: 4).Linear(new double[] { 1, 1, 1, 1 }, new double[] { 10, 200, 30, 128 }).Cast(NetVips.Enums.BandFormat.Uchar);
        return image.PngsaveBuffer();
    }

    public static (int Width, int Height) Size(byte[] picture)
    {
        using var image = NetVips.Image.NewFromBuffer(picture);
        return (image.Width, image.Height);
    }
}
