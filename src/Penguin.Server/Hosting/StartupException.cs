namespace Penguin.Server.Hosting;

/// <summary>A reason the node cannot start that an operator can fix: said in one line, without a stack trace.</summary>
public sealed class StartupException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
