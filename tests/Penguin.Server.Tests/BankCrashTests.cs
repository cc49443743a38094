using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Server.Tests;

/// <summary>
/// Money survives SIGKILL: of penguin-server during a storm of top-ups, withdrawals and transfers, and of penguin-bank
/// in the middle of its callbacks. After the restart, penguin-server admin wallet-reconcile (its own process) proves
/// the journal and matches every bank payment with exactly one ledger transaction: nothing created or destroyed.
/// </summary>
public sealed class BankCrashTests
{
    private const string Pay = "864200";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    private static string NewData() => Path.Combine(Path.GetTempPath(), "penguin-tests", Guid.NewGuid().ToString("N"));

    private static async Task<HttpClient> WalletUserAsync(Uri server, string nickname, PenguinClient client)
    {
        var number = await client.RegisterAsync(nickname, User.Password);
        await client.LoginAsync(number, User.Password, DeviceKind.Pc);
        var http = Authorized(server, client.Token!);
        using var set = await http.PutAsJsonAsync("api/v1/wallet/pay-password", new SetPayPasswordRequest(Pay, LoginPassword: User.Password), Json.SetPayPasswordRequest);
        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        return http;
    }

    private static HttpClient Authorized(Uri server, string token)
    {
        var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<HttpResponseMessage> PostAsync<T>(HttpClient http, string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, type) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    /// <summary>penguin-server admin wallet-reconcile against the same data and bank: its exit code and output.</summary>
    private static async Task<(int Code, string Output)> ReconcileAsync(string data, BankProcess bank)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "penguin-server.dll"), "admin", $"--Penguin:DataDirectory={data}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var setting in bank.ServerSettings) start.ArgumentList.Add(setting);
        start.ArgumentList.Add("wallet-reconcile");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static async Task<long> CnyAsync(HttpClient http) => (await http.GetFromJsonAsync("api/v1/wallet", Json.WalletBalance))!.Cny;

    [Fact]
    public async Task Kill9_ServerDuringTopUpsWithdrawalsAndTransfers_ReconcilesWithTheBank()
    {
        var data = NewData();
        using var bank = new BankProcess();
        await bank.StartAsync();
        using var server = new ServerProcess(data, [.. bank.ServerSettings, "--Penguin:Bank:PollInterval=00:00:00.200", "--Penguin:Bank:PollAfter=00:00:01"]);
        await server.StartAsync();
        using var aliceClient = new PenguinClient(server.BaseUri);
        using var bobClient = new PenguinClient(server.BaseUri);
        var a = await WalletUserAsync(server.BaseUri, "alice", aliceClient);
        var b = await WalletUserAsync(server.BaseUri, "bob", bobClient);
        await bobClient.UpdateSettingsAsync(new AccountSettings(AddPolicy.Anyone));
        var bobNumber = (await bobClient.GetMeAsync()).Profile.Number;
        await aliceClient.SendFriendRequestAsync(bobNumber, "hi");

        var succeeded = new ConcurrentDictionary<string, (HttpClient Owner, long Amount)>();
        using var stop = new CancellationTokenSource();
        async Task LaneAsync(HttpClient owner, Func<int, Task<HttpResponseMessage>> step)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await step(i);
                    if (response.StatusCode == HttpStatusCode.OK && response.Headers.Location is not null
                        && await response.Content.ReadFromJsonAsync(Json.WalletBankPayment) is { Status: "succeeded", Kind: "topup" } paid)
                        succeeded[paid.Id] = (owner, paid.Amount);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    return; // the server is gone
                }
            }
        }
        var lanes = new List<Task>();
        foreach (var (http, lane) in new[] { (a, 0), (a, 1), (b, 2), (b, 3) })
            lanes.Add(Task.Run(() => LaneAsync(http, i => PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(100 + (i * 37 % 5_000), "6222020000001111"), Json.TopUpRequest, $"t{lane}-{i}"))));
        lanes.Add(Task.Run(() => LaneAsync(b, i => PostAsync(b, "api/v1/wallet/withdrawals", new WithdrawRequest(150, i % 3 == 0 ? "6222020000000002" : "6222020000001111", Pay), Json.WithdrawRequest, $"w-{i}"))));
        lanes.Add(Task.Run(() => LaneAsync(a, i => PostAsync(a, "api/v1/wallet/transfers", new CreateTransferRequest(bobNumber, 120, Pay), Json.CreateTransferRequest, $"x-{i}"))));

        while (succeeded.Count < 80) await Task.Delay(10);
        server.Kill();
        stop.Cancel();
        await Task.WhenAll(lanes);

        await server.StartAsync();
        var (code, output) = await ReconcileAsync(data, bank);

        Assert.True(code == 0, output);
        Assert.Contains("bank matched", output, StringComparison.Ordinal);
        Assert.DoesNotContain("bank differs", output, StringComparison.Ordinal);
        // Every top-up acknowledged before the kill is still there, succeeded.
        foreach (var (id, (owner, amount)) in succeeded)
        {
            var payment = (await owner.GetFromJsonAsync($"api/v1/wallet/bank-payments/{id}", Json.WalletBankPayment))!;
            Assert.Equal(("succeeded", amount), (payment.Status, payment.Amount));
        }
        a.Dispose();
        b.Dispose();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Kill9_BankMidCallbacks_RestartedItSendsTheRest_EveryTopUpCreditedOnce()
    {
        var data = NewData();
        // Every charge is recorded but never answered: only the callbacks (some twice) can settle them; no poller.
        using var bank = new BankProcess("--Bank:TimeoutRate=1", "--Bank:CallbackDelay=00:00:00.500", "--Bank:CallbackDuplicateRate=0.5");
        await bank.StartAsync();
        using var server = new ServerProcess(data, [.. bank.ServerSettings, "--Penguin:Bank:RequestTimeout=00:00:00.300", "--Penguin:Bank:PollInterval=01:00:00"]);
        await server.StartAsync();
        using var client = new PenguinClient(server.BaseUri);
        var http = await WalletUserAsync(server.BaseUri, "carol", client);

        var ids = new ConcurrentBag<(string Id, long Amount)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            using var response = await PostAsync(http, "api/v1/wallet/topups", new TopUpRequest(1_000 + i, "6222020000001111"), Json.TopUpRequest, $"c-{i}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(((await response.Content.ReadFromJsonAsync(Json.WalletBankPayment, token))!.Id, 1_000 + i));
        });
        // Kill the bank as soon as its callbacks have begun to arrive.
        while ((await http.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments.All(p => p.Status == "pending")) await Task.Delay(5);
        bank.Kill();
        var settledBeforeKill = (await http.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments.Count(p => p.Status != "pending");

        await bank.StartAsync();
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(90);
        while ((await http.GetFromJsonAsync("api/v1/wallet/bank-payments", Json.WalletBankPaymentList))!.Payments.Any(p => p.Status == "pending"))
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "callbacks were not resent after the bank restarted");
            await Task.Delay(50);
        }

        Assert.True(settledBeforeKill >= 1);
        Assert.Equal(ids.Sum(p => p.Amount), await CnyAsync(http));
        var (code, output) = await ReconcileAsync(data, bank);
        Assert.True(code == 0, output);
        Assert.Contains("bank payments\t40", output, StringComparison.Ordinal);
        Assert.Contains("bank matched\t40", output, StringComparison.Ordinal);
        http.Dispose();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }
}
