using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Penguin.Load.Reporting;
using Penguin.Protocol;

namespace Penguin.Load.Scenarios;

/// <summary>A simulated user: account number, password and (once logged in) one device's session token.</summary>
public sealed record SimulatedUser(long Number, string Password, string? Token);

/// <summary>Gets a scenario its users: from the users file when it has enough, otherwise by registering and logging in (accounted as setup).</summary>
public static class SimulatedUsers
{
    public const int SetupConcurrency = 16;

    public static string NewPassword() => "load-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    public static string Nickname(int i) => "压测" + i.ToString(CultureInfo.InvariantCulture);

    public static async Task<IReadOnlyList<SimulatedUser>> PrepareAsync(ScenarioContext context, int count, bool withTokens, CancellationToken ct)
    {
        var users = Load(context.Options.UsersFile).Take(count).ToList();
        if (users.Count > 0) context.Note($"reusing {users.Count} users from {context.Options.UsersFile}");

        if (users.Count < count)
        {
            var register = context.Operations.Supporting("setup:register");
            register.Plan(count - users.Count);
            context.Progress.Track(register);
            var password = NewPassword();
            var fresh = new SimulatedUser?[count - users.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, fresh.Length), Options(ct), async (i, token) =>
            {
                using var client = context.NewClient();
                var number = await register.MeasureAsync(() => client.RegisterAsync(Nickname(i), password, token));
                if (number > 0) fresh[i] = new SimulatedUser(number, password, null);
            });
            users.AddRange(fresh.OfType<SimulatedUser>());
        }

        if (withTokens && users.Any(u => u.Token is null))
        {
            var login = context.Operations.Supporting("setup:login");
            login.Plan(users.Count(u => u.Token is null));
            context.Progress.Track(login);
            var ready = users.ToArray();
            await Parallel.ForEachAsync(Enumerable.Range(0, ready.Length).Where(i => ready[i].Token is null), Options(ct), async (i, token) =>
            {
                using var client = context.NewClient();
                var session = await login.MeasureAsync(() => client.LoginAsync(ready[i].Number, ready[i].Password, DeviceKind.Mobile, "penguin-load", token));
                ready[i] = ready[i] with { Token = session?.Token };
            });
            users = [.. ready.Where(u => u.Token is not null)];
        }

        if (users.Count < count) context.Note($"only {users.Count} of {count} users could be prepared; see the setup failures");
        Save(context.Options.UsersFile, users);
        return users;
    }

    public static IReadOnlyList<SimulatedUser> Load(string? path)
    {
        if (path is null || !File.Exists(path)) return [];
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, LoadJson.Default.SimulatedUserArray) ?? [];
    }

    public static void Save(string? path, IReadOnlyList<SimulatedUser> users)
    {
        if (path is null || users.Count <= Load(path).Count) return;
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, users.ToArray(), LoadJson.Default.SimulatedUserArray);
    }

    private static ParallelOptions Options(CancellationToken ct) => new() { MaxDegreeOfParallelism = SetupConcurrency, CancellationToken = ct };
}
