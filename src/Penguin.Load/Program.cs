using Penguin.Load;

LoadOptions options;
try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.WriteLine(LoadOptions.Usage);
        return args.Length == 0 ? 2 : 0;
    }
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or UriFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Run with --help for usage.");
    return 2;
}

if (options.UnwritablePaths() is { Count: > 0 } unwritable)
{
    foreach (var problem in unwritable) Console.Error.WriteLine(problem);
    return 73;
}

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};
var outcome = await LoadRunner.RunAsync(options, Console.Error, Console.Out, interrupt.Token);
return outcome.ExitCode;
