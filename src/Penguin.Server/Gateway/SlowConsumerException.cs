namespace Penguin.Server.Gateway;

/// <summary>A write waited longer than the slow-consumer timeout for the client to read.</summary>
public sealed class SlowConsumerException(Exception inner) : IOException("The client did not read within the slow-consumer timeout.", inner);
