using Penguin.Server.Admin;
using Penguin.Server.Hosting;

// penguin-server [settings]            runs the node
// penguin-server admin <command> ...   operator commands against the configured storage (docs/operations.md)
if (args.Length > 0 && args[0] == "admin") return await AdminCommand.RunAsync(args[1..], Console.Out, Console.Error);

return await StartupFailure.GuardAsync(async () =>
{
    var app = PenguinServer.Build(args);
    await app.RunAsync();
}, Console.Error);
