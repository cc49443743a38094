namespace Penguin.Server.Admin;

public static class AdminCommand
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) => Task.FromResult(0);
}
