using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Penguin.Hosting;

namespace Penguin.Bank;

/// <summary>
/// penguin-bank: a bank's payment gateway, simulated, for Penguin's top-up and withdrawal. Its own process, HTTP API
/// and records. Run: penguin-bank --urls http://127.0.0.1:6600 --Bank:Secret=... (docs/operations.md).
/// </summary>
public static class BankProgram
{
    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "penguin-bank.json"), optional: true);
        builder.Configuration.AddEnvironmentVariables("PENGUIN_BANK_");
        builder.Configuration.AddCommandLine(args);
        if (builder.Configuration["urls"] is { } urls && ListenAddresses.Problems(urls).ToList() is { Count: > 0 } badUrls)
        {
            foreach (var problem in badUrls) await Console.Error.WriteLineAsync($"penguin-bank: configuration error / 配置错误: {problem}");
            return 78;
        }
        // A failed start is said in one line below (a bug still ends Main with its stack trace), not by the host's log.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Services.AddOptions<BankSettings>().Bind(builder.Configuration.GetSection("Bank")).ValidateDataAnnotations();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<BankSettings>>().Value);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new BankRecords(sp.GetRequiredService<BankSettings>().DataFile));
        builder.Services.AddHostedService<CallbackSender>();
        await using var app = builder.Build();
        try
        {
            _ = app.Services.GetRequiredService<BankSettings>();
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures) await Console.Error.WriteLineAsync($"penguin-bank: {failure} (section Bank, e.g. --Bank:Secret=...) / 银行模拟器配置错误");
            return 78;
        }
        app.MapBankApi();
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (StartFailure(e, app.Services.GetRequiredService<BankSettings>()) is { } failure)
        {
            await Console.Error.WriteLineAsync($"penguin-bank: {failure.Line}");
            return failure.ExitCode;
        }
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>What an operator can fix, in one line with its exit code (as penguin-server's, docs/operations.md); null for a bug.</summary>
    private static (string Line, int ExitCode)? StartFailure(Exception e, BankSettings settings)
    {
        if (ListenAddresses.BindFailure(e) is { } line) return (line, 69);
        var file = Path.GetFullPath(settings.DataFile);
        return e switch
        {
            SqliteException { SqliteErrorCode: 11 or 26 } s => ($"Bank:DataFile {file} is damaged or not a bank records file / 银行记录文件已损坏 (SQLite: {s.Message}).", 65),
            SqliteException s => ($"Bank:DataFile {file} cannot be opened for writing / 银行记录文件无法写入 (SQLite: {s.Message}). Give the bank's user write access or set Bank:DataFile elsewhere.", 73),
            _ => null,
        };
    }
}
