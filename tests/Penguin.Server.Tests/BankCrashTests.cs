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
    public async Task Kill9_ServerDuringTransfersAndRedPacketClaims_NothingCreatedOrDestroyed_EveryAcknowledgedOneOnce()
    {
        const long Funds = 1_000_000;
        var data = NewData();
        using var bank = new BankProcess();
        await bank.StartAsync();
        using var server = new ServerProcess(data, [.. bank.ServerSettings, "--Penguin:Wallet:TestDeposits=true"]);
        await server.StartAsync();
        var clients = new List<PenguinClient>();
        async Task<(HttpClient Http, long Number)> UserAsync(string nickname)
        {
            var client = new PenguinClient(server.BaseUri);
            clients.Add(client);
            var http = await WalletUserAsync(server.BaseUri, nickname, client);
            return (http, (await client.GetMeAsync()).Profile.Number);
        }
        var alice = await UserAsync("alice");
        var bob = await UserAsync("bob");
        await clients[1].UpdateSettingsAsync(new AccountSettings(AddPolicy.Anyone));
        await clients[0].SendFriendRequestAsync(bob.Number, "hi");
        var group = (await clients[0].CreateGroupAsync(new CreateGroupRequest("红包群", JoinPolicy: GroupJoinPolicy.Open))).Group.Id;
        var claimers = new List<(HttpClient Http, long Number)>();
        for (var i = 0; i < 8; i++)
        {
            claimers.Add(await UserAsync($"claimer{i}"));
            await clients[^1].JoinGroupAsync(group);
        }
        var everyone = claimers.Prepend(bob).Prepend(alice).ToList();
        foreach (var payer in new[] { alice, bob })
            using (var deposited = await PostAsync(payer.Http, "api/v1/wallet/test-deposit", new TestDepositRequest(Funds), Json.TestDepositRequest, "funds"))
                Assert.Equal(HttpStatusCode.OK, deposited.StatusCode);

        // What the server acknowledged before it died: transfers (by their sender's key), accepts, and claims.
        var transfers = new ConcurrentDictionary<string, (HttpClient Sender, CreateTransferRequest Request, WalletTransfer Transfer)>();
        var accepted = new ConcurrentDictionary<string, bool>();
        var claims = new ConcurrentDictionary<(string Packet, long User), long>();
        var packets = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        async Task LaneAsync(Func<int, Task> step)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await step(i);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    return; // the server is gone
                }
            }
        }
        Func<int, Task> Transfers((HttpClient Http, long Number) from, (HttpClient Http, long Number) to) => async i =>
        {
            var key = $"x{from.Number}-{i}";
            var request = new CreateTransferRequest(to.Number, 100 + i % 50, Pay, "午饭");
            using var response = await PostAsync(from.Http, "api/v1/wallet/transfers", request, Json.CreateTransferRequest, key);
            if (response.StatusCode == HttpStatusCode.Created) transfers[key] = (from.Http, request, (await response.Content.ReadFromJsonAsync(Json.WalletTransfer))!);
        };
        Func<int, Task> Accepts((HttpClient Http, long Number) receiver) => async _ =>
        {
            foreach (var t in (await receiver.Http.GetFromJsonAsync("api/v1/wallet/transfers", Json.WalletTransferList))!.Transfers)
            {
                if (t.To != receiver.Number || t.Status != "pending") continue;
                using var response = await receiver.Http.PostAsync($"api/v1/wallet/transfers/{t.Id}/accept", null);
                if (response.StatusCode == HttpStatusCode.OK) accepted[t.Id] = true;
            }
        };
        async Task SendPacketAsync(int i)
        {
            using var response = await PostAsync(alice.Http, "api/v1/wallet/redpackets", new CreateRedPacketRequest(500, 5, Pay, GroupId: group, Lucky: true), Json.CreateRedPacketRequest, $"r-{i}");
            if (response.StatusCode == HttpStatusCode.Created) packets.Enqueue((await response.Content.ReadFromJsonAsync(Json.RedPacket))!.Id);
            await Task.Delay(20);
        }
        Func<int, Task> Claims((HttpClient Http, long Number) claimer)
        {
            var tried = new HashSet<string>();
            return async _ =>
            {
                foreach (var packet in packets.Where(tried.Add).ToList())
                {
                    using var response = await claimer.Http.PostAsync($"api/v1/wallet/redpackets/{packet}/claim", null);
                    if (response.StatusCode == HttpStatusCode.OK) claims[(packet, claimer.Number)] = (await response.Content.ReadFromJsonAsync(Json.RedPacketClaimResult))!.Amount;
                }
                await Task.Delay(5);
            };
        }
        var lanes = new List<Task>
        {
            Task.Run(() => LaneAsync(Transfers(alice, bob))), Task.Run(() => LaneAsync(Transfers(bob, alice))),
            Task.Run(() => LaneAsync(Accepts(alice))), Task.Run(() => LaneAsync(Accepts(bob))), Task.Run(() => LaneAsync(SendPacketAsync)),
        };
        lanes.AddRange(claimers.Select(c => Task.Run(() => LaneAsync(Claims(c)))));

        var deadline = TimeProvider.System.GetUtcNow().AddMinutes(3);
        while (transfers.Count < 60 || accepted.Count < 20 || claims.Count < 60)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline && lanes.All(l => !l.IsCompleted),
                $"the storm stalled: {transfers.Count} transfers, {accepted.Count} accepts, {claims.Count} claims");
            await Task.Delay(10);
        }
        server.Kill();
        stop.Cancel();
        await Task.WhenAll(lanes);

        await server.StartAsync();
        var (code, output) = await ReconcileAsync(data, bank);
        Assert.True(code == 0, output);
        Assert.Contains("total cny\t0", output, StringComparison.Ordinal);

        // Nothing created or destroyed: what the two payers were given is in the wallets, in transfers still
        // pending, or in red packets still open (every packet alice sent is in her history, acknowledged or not).
        var balances = new Dictionary<long, long>();
        foreach (var user in everyone) balances[user.Number] = await CnyAsync(user.Http);
        var pending = new Dictionary<string, long>();
        foreach (var user in new[] { alice, bob })
            foreach (var t in (await user.Http.GetFromJsonAsync("api/v1/wallet/transfers", Json.WalletTransferList))!.Transfers.Where(t => t.Status == "pending"))
                pending[t.Id] = t.Amount;
        var sent = new List<RedPacketDetails>();
        foreach (var packet in (await HistoryAsync(alice.Http)).Where(m => m.Kind == "red_packet").Select(m => m.Reference!))
            sent.Add((await alice.Http.GetFromJsonAsync($"api/v1/wallet/redpackets/{packet}", Json.RedPacketDetails))!);
        Assert.Equal(2 * Funds, balances.Values.Sum() + pending.Values.Sum() + sent.Sum(d => d.RedPacket.Amount - d.RedPacket.ClaimedAmount));

        // No share claimed twice, and every packet's counts are its claims.
        foreach (var d in sent)
        {
            Assert.Equal(d.Claims.Length, d.Claims.Select(c => c.UserId).Distinct().Count());
            Assert.Equal((d.RedPacket.ClaimedCount, d.RedPacket.ClaimedAmount), (d.Claims.Length, d.Claims.Sum(c => c.Amount)));
            Assert.InRange(d.RedPacket.ClaimedCount, 0, d.RedPacket.Count);
        }
        // Every acknowledged claim is there once, for its amount; claiming again replays it and moves nothing.
        var details = sent.ToDictionary(d => d.RedPacket.Id);
        foreach (var ((packet, user), amount) in claims)
        {
            Assert.Equal(amount, Assert.Single(details[packet].Claims, c => c.UserId == user).Amount);
            using var again = await everyone.Single(u => u.Number == user).Http.PostAsync($"api/v1/wallet/redpackets/{packet}/claim", null);
            Assert.Equal((true, amount), (await again.Content.ReadFromJsonAsync(Json.RedPacketClaimResult)) is { } r ? (r.Replayed, r.Amount) : default);
        }
        // Every acknowledged transfer is there, accepted if its accept was acknowledged; sending it again under its
        // key answers the same transfer and moves nothing.
        foreach (var (key, (sender, request, transfer)) in transfers)
        {
            var stored = (await sender.GetFromJsonAsync($"api/v1/wallet/transfers/{transfer.Id}", Json.WalletTransfer))!;
            Assert.Equal((transfer.From, transfer.To, transfer.Amount), (stored.From, stored.To, stored.Amount));
            if (accepted.ContainsKey(transfer.Id)) Assert.Equal("accepted", stored.Status);
            using var again = await PostAsync(sender, "api/v1/wallet/transfers", request, Json.CreateTransferRequest, key);
            Assert.Equal(transfer.Id, (await again.Content.ReadFromJsonAsync(Json.WalletTransfer))!.Id);
        }
        foreach (var user in everyone) Assert.Equal(balances[user.Number], await CnyAsync(user.Http));

        foreach (var user in everyone) user.Http.Dispose();
        foreach (var client in clients) client.Dispose();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }

    private static async Task<List<WalletMovement>> HistoryAsync(HttpClient http)
    {
        var all = new List<WalletMovement>();
        for (long? before = null; ;)
        {
            var page = (await http.GetFromJsonAsync($"api/v1/wallet/history?limit=100{(before is { } b ? $"&before={b}" : "")}", Json.WalletHistoryPage))!;
            all.AddRange(page.Items);
            if (page.Next is not { } next) return all;
            before = next;
        }
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
