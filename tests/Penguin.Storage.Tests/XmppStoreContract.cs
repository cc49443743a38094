using Penguin.Core.Xmpp;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>The XMPP front end's store: SCRAM credentials per account and mechanism, and the acknowledged event cursor.</summary>
public abstract class XmppStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private IXmppStore Xmpp => Engine.Stores.Xmpp;

    private static ScramCredential Credential(ScramMechanism mechanism, byte fill) =>
        new(mechanism, 4096, [fill, 1, 2], [fill, 3, 4], [fill, 5, 6]);

    [Fact]
    public async Task Scram_SavedPerMechanism_IsReadBackWithTheCurrentPasswordHash()
    {
        var user = await NewUserAsync("scram");
        Assert.Null(await Xmpp.GetScramAsync(user, ScramMechanism.Sha256));
        Assert.Null(await Xmpp.GetPasswordCheckAsync(user));

        await Xmpp.SaveScramAsync(user, [Credential(ScramMechanism.Sha256, 1), Credential(ScramMechanism.Sha1, 2)], [9, 9]);

        var sha256 = await Xmpp.GetScramAsync(user, ScramMechanism.Sha256);
        Assert.NotNull(sha256);
        Assert.Equal(4096, sha256.Credential.Iterations);
        Assert.Equal(new byte[] { 1, 1, 2 }, sha256.Credential.Salt);
        Assert.Equal(new byte[] { 1, 3, 4 }, sha256.Credential.StoredKey);
        Assert.Equal(new byte[] { 1, 5, 6 }, sha256.Credential.ServerKey);
        Assert.Equal(new byte[] { 9, 9 }, sha256.PasswordCheck);
        Assert.Equal("hash-of-scram", sha256.CurrentPasswordHash);
        Assert.Equal(new byte[] { 2, 1, 2 }, (await Xmpp.GetScramAsync(user, ScramMechanism.Sha1))!.Credential.Salt);
        Assert.Equal(new byte[] { 9, 9 }, await Xmpp.GetPasswordCheckAsync(user));
    }

    [Fact]
    public async Task Scram_SavedAgain_ReplacesEveryMechanismAndTouchesNoOtherAccount()
    {
        var user = await NewUserAsync("again");
        var other = await NewUserAsync("other");
        await Xmpp.SaveScramAsync(other, [Credential(ScramMechanism.Sha256, 7)], [7]);
        await Xmpp.SaveScramAsync(user, [Credential(ScramMechanism.Sha256, 1), Credential(ScramMechanism.Sha1, 2)], [1]);

        await Xmpp.SaveScramAsync(user, [Credential(ScramMechanism.Sha256, 3)], [3]);

        Assert.Equal(new byte[] { 3, 1, 2 }, (await Xmpp.GetScramAsync(user, ScramMechanism.Sha256))!.Credential.Salt);
        Assert.Null(await Xmpp.GetScramAsync(user, ScramMechanism.Sha1));
        Assert.Equal(new byte[] { 7, 1, 2 }, (await Xmpp.GetScramAsync(other, ScramMechanism.Sha256))!.Credential.Salt);
    }

    [Fact]
    public async Task Scram_OfADeletedAccount_IsNotFound()
    {
        var user = await NewUserAsync("gone");
        await Xmpp.SaveScramAsync(user, [Credential(ScramMechanism.Sha256, 1)], [1]);
        await Accounts.MarkDeletedAsync(user, Now);
        Assert.Null(await Xmpp.GetScramAsync(user, ScramMechanism.Sha256));
    }

    [Fact]
    public async Task AckedSeq_StartsAtZeroAndFollowsAcknowledgements()
    {
        var user = await NewUserAsync("acks");
        Assert.Equal(0, await Xmpp.GetAckedSeqAsync(user));
        await Social.CreateGroupAsync(user, "a", EventsTo<Penguin.Protocol.BuddyGroup[]>(user, user, user));
        await Messages.AcknowledgeAsync(user, 2, NoEvents<IReadOnlyList<Penguin.Core.Messaging.Receipt>>());
        Assert.Equal(2, await Xmpp.GetAckedSeqAsync(user));
    }
}
