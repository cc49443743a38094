namespace Penguin.Core.Files;

/// <summary>What the server learnt from a picture's content: its size and, when it could make one in time, a small JPEG preview.</summary>
public sealed record PictureInfo(int Width, int Height, byte[]? Preview);
