using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>
/// Gives simulated users a wallet to spend from (setup, not measured): a payment password and a deposit through the
/// test-only endpoint (a spawned server has Penguin:Wallet:TestDeposits on; a server without it answers 404).
/// </summary>
public static class WalletSetup
{
    public const string PayPassword = "135790";

    /// <summary>Returns which users are ready to pay (payment password set, <paramref name="fen"/> deposited).</summary>
    public static async Task<bool[]> FundAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, long fen, CancellationToken ct)
    {
        var fund = context.Operations.Supporting("setup:fund");
        fund.Plan(users.Count);
        context.Progress.Track(fund);
        var ready = new bool[users.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), options, async (i, token) =>
        {
            ready[i] = await fund.MeasureAsync(async () =>
            {
                using var client = context.NewClient();
                client.Token = users[i].Token;
                if (!(await client.GetWalletAsync(token)).PayPasswordSet)
                    await client.SetPayPasswordAsync(new SetPayPasswordRequest(PayPassword, LoginPassword: users[i].Password), token);
                // One key per user and amount: a rerun on the same data directory does not deposit twice.
                if (fen > 0) await client.TestDepositAsync(fen, $"load-fund-{users[i].Number}-{fen}", token);
                return true;
            });
        });
        if (fund.Failed > 0)
            context.Note($"{fund.Failed} users could not be funded (is Penguin:Wallet:TestDeposits on? --spawn-server turns it on); they sit the run out");
        return ready;
    }

    /// <summary>Each user's CNY balance in fen now (null where it could not be read).</summary>
    public static async Task<long?[]> BalancesAsync(ScenarioContext context, IReadOnlyList<SimulatedUser> users, CancellationToken ct)
    {
        var balances = new long?[users.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimulatedUsers.SetupConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), options, async (i, token) =>
        {
            using var client = context.NewClient();
            client.Token = users[i].Token;
            try { balances[i] = (await client.GetWalletAsync(token)).Cny; }
            catch (PenguinException) { }
            catch (HttpRequestException) { }
        });
        return balances;
    }
}
