using Microsoft.Extensions.Options;

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
        await app.RunAsync();
        return 0;
    }
}
