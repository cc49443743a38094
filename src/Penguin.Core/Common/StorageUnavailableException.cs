namespace Penguin.Core.Common;

/// <summary>
/// The system of record cannot be reached right now (down, restarting, unreachable). Not a bug: callers answer
/// "unavailable, try again" (REST 503) instead of an internal error, and the engine recovers on its own.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);
