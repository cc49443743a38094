using Penguin.Core.Xmpp;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>The XMPP front end's store: SCRAM credentials per account and mechanism, the acknowledged event cursor, XEP-0363 upload slots.</summary>
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

    private static XmppUploadSlot Slot(long user, string id, DateTimeOffset expiresAt) =>
        new(id, user, [1, 2, 3], "照片 photo.jpg", 1234, "image/jpeg", expiresAt);

    [Fact]
    public async Task UploadSlot_IsReadBack_AndTakesOneFileOnce()
    {
        var user = await NewUserAsync("slots");
        var id = new string('a', 32);
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(user, id, Now.AddMinutes(10)), 10, Now));

        var slot = await Xmpp.GetUploadSlotAsync(id);
        Assert.NotNull(slot);
        Assert.Equal((user, "照片 photo.jpg", 1234L, "image/jpeg", (string?)null), (slot.UserId, slot.Name, slot.Size, slot.ContentType, slot.FileId));
        Assert.Equal(new byte[] { 1, 2, 3 }, slot.PutKeyHash);
        Assert.Equal(Now.AddMinutes(10), slot.ExpiresAt);
        Assert.Null(await Xmpp.GetUploadSlotAsync(new string('b', 32)));

        Assert.True(await Xmpp.SetUploadSlotFileAsync(id, "file-1"));
        Assert.False(await Xmpp.SetUploadSlotFileAsync(id, "file-2")); // a slot takes one PUT
        Assert.Equal("file-1", (await Xmpp.GetUploadSlotAsync(id))!.FileId);
    }

    [Fact]
    public async Task UploadSlots_OpenOnesAreLimitedPerUser_ExpiredUnusedOnesAreDeleted()
    {
        var user = await NewUserAsync("many");
        var other = await NewUserAsync("other");
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(user, new string('1', 32), Now.AddMinutes(-1)), 2, Now.AddMinutes(-11)));
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(user, new string('2', 32), Now.AddMinutes(10)), 2, Now));
        // The expired unused slot is deleted, so a second open one fits; a third does not; another user is not affected.
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(user, new string('3', 32), Now.AddMinutes(10)), 2, Now));
        Assert.Null(await Xmpp.GetUploadSlotAsync(new string('1', 32)));
        Assert.False(await Xmpp.CreateUploadSlotAsync(Slot(user, new string('4', 32), Now.AddMinutes(10)), 2, Now));
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(other, new string('5', 32), Now.AddMinutes(10)), 2, Now));
        // A used slot no longer counts as open.
        Assert.True(await Xmpp.SetUploadSlotFileAsync(new string('2', 32), "f"));
        Assert.True(await Xmpp.CreateUploadSlotAsync(Slot(user, new string('6', 32), Now.AddMinutes(10)), 2, Now));
    }
}
