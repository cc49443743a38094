using Penguin.Core.Accounts;
using Penguin.Core.Files;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What every <see cref="IAvatarStore"/> must do; run once per engine.</summary>
public abstract class AvatarStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private IAvatarStore Store => Engine.Stores.Avatars;

    private static string Sha() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Save_ThenGet_RoundTrips_SavingAgainKeepsOne()
    {
        var sha = Sha();
        byte[] image = [0xFF, 0xD8, 1, 2, 3];

        // Younger than the other test's cut-off: that test counts what it deletes in the class's shared database.
        await Store.SaveAsync(sha, image, Now + TimeSpan.FromDays(2));
        await Store.SaveAsync(sha, image, Now + TimeSpan.FromDays(3));

        Assert.Equal(image, await Store.GetAsync(sha));
        Assert.Null(await Store.GetAsync(Sha()));
    }

    [Fact]
    public async Task DeleteUnused_TakesOnlyAvatarsPastTheirGraceThatNobodyNames()
    {
        var named = Sha();
        var unused = Sha();
        var fresh = Sha();
        var renewed = Sha();
        await Store.SaveAsync(named, [1], Now);
        await Store.SaveAsync(unused, [2], Now);
        await Store.SaveAsync(renewed, [3], Now);
        await Store.SaveAsync(fresh, [4], Now + TimeSpan.FromDays(2));
        await Store.SaveAsync(renewed, [3], Now + TimeSpan.FromDays(2)); // about to be set again: its grace starts anew
        var user = await NewUserAsync();
        var record = (await Accounts.GetUserAsync(user))!;
        await Accounts.UpdateUserAsync(record with { Avatar = Avatars.Uploaded(named) }, NoEvents<UserRecord>());

        var deleted = await Store.DeleteUnusedAsync(Now + TimeSpan.FromDays(1), 100);

        Assert.Equal(1, deleted);
        Assert.Null(await Store.GetAsync(unused));
        Assert.NotNull(await Store.GetAsync(named));
        Assert.NotNull(await Store.GetAsync(fresh));
        Assert.NotNull(await Store.GetAsync(renewed));
    }
}
