namespace Penguin.Core.Bus;

/// <summary>
/// A serialized server frame on its way to a user's connected devices.
/// <paramref name="Seq"/> is the durable event's sequence (0 for ephemeral frames);
/// <paramref name="OnlySession"/> limits it to one device session; <paramref name="EndSession"/> closes that session after sending.
/// </summary>
public readonly record struct Delivery(byte[] Frame, long Seq = 0, long OnlySession = 0, bool EndSession = false);
