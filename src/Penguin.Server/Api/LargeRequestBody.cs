namespace Penguin.Server.Api;

/// <summary>Marks an endpoint that streams a body larger than the REST limit (an upload chunk) and sets its own limit.</summary>
public sealed class LargeRequestBody;
