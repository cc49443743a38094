using Penguin.Core.Files;
using Penguin.Protocol;
using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

/// <summary>What every <see cref="IFileStore"/> must do; run once per engine.</summary>
public abstract class FileStoreContract(StorageEngine engine) : ContractBase(engine)
{
    private IFileStore Files => Engine.Stores.Files;

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static UploadRecord Upload(long owner, long size = 100, string? sha = null) =>
        new(FileRules.NewId(), owner, "报告.pdf", "application/pdf", size, sha ?? Sha(), 0, Now, Now + Day);

    private static FileRecord File(long owner, string sha, long size = 100, TimeSpan? lifetime = null) =>
        new(FileRules.NewId(), owner, sha, "照片.png", "image/png", size, Now, Now + (lifetime ?? TimeSpan.FromDays(7)));

    private static BlobRecord Blob(string sha, long size = 100) => new(sha, size, false, 640, 480);

    private static string Sha() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task CreateUpload_ThenGet_RoundTrips()
    {
        var owner = await NewUserAsync();
        var upload = Upload(owner);

        var created = Ok(await Files.CreateUploadAsync(upload, 0, 10));

        Assert.Equal(upload, created);
        Assert.Equal(upload, await Files.GetUploadAsync(upload.Id));
        Assert.Null(await Files.GetUploadAsync(FileRules.NewId()));
    }

    [Fact]
    public async Task CreateUpload_BeyondTheUploadsInProgress_TooManyUploads_StoresNothing()
    {
        var owner = await NewUserAsync();
        Ok(await Files.CreateUploadAsync(Upload(owner), 0, 2));
        Ok(await Files.CreateUploadAsync(Upload(owner), 0, 2));
        var third = Upload(owner);

        Fails("too_many_uploads", await Files.CreateUploadAsync(third, 0, 2));

        Assert.Null(await Files.GetUploadAsync(third.Id));
        Ok(await Files.CreateUploadAsync(Upload(await NewUserAsync()), 0, 2));
    }

    [Fact]
    public async Task CreateUpload_OverQuota_CountsFilesAndUploads()
    {
        var owner = await NewUserAsync();
        var sha = Sha();
        Ok(await Files.AddFileAsync(File(owner, sha, 600), Blob(sha, 600), null, 0, Now));
        Ok(await Files.CreateUploadAsync(Upload(owner, 300), 1000, 10));

        Fails("quota_exceeded", await Files.CreateUploadAsync(Upload(owner, 101), 1000, 10));
        Ok(await Files.CreateUploadAsync(Upload(owner, 100), 1000, 10));
        Assert.Equal(1000, await Files.UsedBytesAsync(owner, Now));
        // Expired files and uploads no longer count.
        Assert.Equal(0, await Files.UsedBytesAsync(owner, Now + TimeSpan.FromDays(8)));
    }

    [Fact]
    public async Task Claim_AtTheConfirmedOffset_HoldsTheUpload_OthersAreRefused()
    {
        var owner = await NewUserAsync();
        var upload = Ok(await Files.CreateUploadAsync(Upload(owner), 0, 10));

        var claimed = Ok(await Files.ClaimUploadAsync(upload.Id, owner, 0, "lease-1", Now, Now.AddSeconds(30)));

        Assert.Equal("lease-1", claimed.LeaseToken);
        Fails("upload_busy", await Files.ClaimUploadAsync(upload.Id, owner, 0, "lease-2", Now.AddSeconds(10), Now.AddSeconds(40)));
        Fails("not_found", await Files.ClaimUploadAsync(upload.Id, await NewUserAsync(), 0, "lease-3", Now, Now.AddSeconds(30)));
        Assert.True(await Files.AdvanceUploadAsync(upload.Id, "lease-1", 40, Now + Day));
        Assert.False(await Files.AdvanceUploadAsync(upload.Id, "lease-1", 80, Now + Day));
        Assert.Equal(40, (await Files.GetUploadAsync(upload.Id))!.Received);
    }

    [Fact]
    public async Task Claim_AtAnotherOffset_OffsetMismatch_ForwardAndBack()
    {
        var owner = await NewUserAsync();
        var upload = Ok(await Files.CreateUploadAsync(Upload(owner), 0, 10));
        Ok(await Files.ClaimUploadAsync(upload.Id, owner, 0, "l", Now, Now.AddSeconds(30)));
        Assert.True(await Files.AdvanceUploadAsync(upload.Id, "l", 50, Now + Day));

        var ahead = await Files.ClaimUploadAsync(upload.Id, owner, 60, "m", Now, Now.AddSeconds(30));
        var behind = await Files.ClaimUploadAsync(upload.Id, owner, 10, "m", Now, Now.AddSeconds(30));

        Fails("upload_offset_mismatch", ahead);
        Fails("upload_offset_mismatch", behind);
        Assert.Contains("50", ahead.Error!.Message, StringComparison.Ordinal);
        Assert.Null((await Files.GetUploadAsync(upload.Id))!.LeaseToken);
    }

    [Fact]
    public async Task Claim_AfterALeaseLapsed_TakesOver_TheOldWriterCannotConfirm()
    {
        var owner = await NewUserAsync();
        var upload = Ok(await Files.CreateUploadAsync(Upload(owner), 0, 10));
        Ok(await Files.ClaimUploadAsync(upload.Id, owner, 0, "old", Now, Now.AddSeconds(30)));

        Ok(await Files.ClaimUploadAsync(upload.Id, owner, 0, "new", Now.AddSeconds(31), Now.AddSeconds(61)));

        Assert.False(await Files.RenewLeaseAsync(upload.Id, "old", Now.AddSeconds(90)));
        Assert.False(await Files.AdvanceUploadAsync(upload.Id, "old", 10, Now + Day));
        Assert.True(await Files.AdvanceUploadAsync(upload.Id, "new", 10, Now + Day));
    }

    [Fact]
    public async Task AddFile_HeldBytes_SecondFileSharesTheBlob_UnknownBytesAreNotFound()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var sha = Sha();
        var first = Ok(await Files.AddFileAsync(File(alice, sha), Blob(sha), null, 0, Now));

        var second = Ok(await Files.AddFileAsync(File(bob, sha), null, null, 0, Now));

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal((640, 480), (second.Width, second.Height));
        Assert.Equal(second, await Files.GetFileAsync(second.Id));
        Fails("not_found", await Files.AddFileAsync(File(bob, Sha()), null, null, 0, Now));
        Assert.Null(await Files.GetFileAsync(FileRules.NewId()));
    }

    [Fact]
    public async Task AddFile_CompletingAnUpload_RemovesIt_QuotaIsNotCountedTwice()
    {
        var owner = await NewUserAsync();
        var sha = Sha();
        var upload = Ok(await Files.CreateUploadAsync(Upload(owner, 100, sha), 100, 10));

        Ok(await Files.AddFileAsync(File(owner, sha), Blob(sha), upload.Id, 100, Now));

        Assert.Null(await Files.GetUploadAsync(upload.Id));
        Assert.Equal(100, await Files.UsedBytesAsync(owner, Now));
        Fails("quota_exceeded", await Files.AddFileAsync(File(owner, sha), null, null, 100, Now));
    }

    [Fact]
    public async Task SetPicture_KeepsThePreview()
    {
        var owner = await NewUserAsync();
        var sha = Sha();
        Ok(await Files.AddFileAsync(File(owner, sha), new BlobRecord(sha, 100, false), null, 0, Now));

        await Files.SetPictureAsync(sha, new PictureInfo(4000, 3000, [1, 2, 3]));

        Assert.Equal(new BlobRecord(sha, 100, false, 4000, 3000, HasPreview: true), await Files.GetBlobAsync(sha));
        Assert.Equal([1, 2, 3], await Files.GetPreviewAsync(sha));
    }

    [Fact]
    public async Task Reclaim_OnlyBytesNoUnexpiredFileRefersTo_ThenTheyAreAbsent()
    {
        var owner = await NewUserAsync();
        var shortLived = Sha();
        var longLived = Sha();
        Ok(await Files.AddFileAsync(File(owner, shortLived, lifetime: TimeSpan.FromDays(1)), Blob(shortLived), null, 0, Now));
        Ok(await Files.AddFileAsync(File(owner, longLived, lifetime: TimeSpan.FromDays(7)), Blob(longLived), null, 0, Now));
        var later = Now + TimeSpan.FromDays(2);

        var unreachable = await Files.UnreachableBlobsAsync(later, 10_000);

        Assert.Contains(shortLived, unreachable);
        Assert.DoesNotContain(longLived, unreachable);
        Assert.False(await Files.MarkBlobDeletingAsync(longLived, later));
        Assert.True(await Files.MarkBlobDeletingAsync(shortLived, later));
        // Being reclaimed: a new file cannot refer to these bytes; an upload of them is told to try again.
        Fails("not_found", await Files.AddFileAsync(File(owner, shortLived), null, null, 0, later));
        Fails("unavailable", await Files.AddFileAsync(File(owner, shortLived), Blob(shortLived), null, 0, later));
        await Files.DeleteBlobAsync(shortLived);
        Assert.Null(await Files.GetBlobAsync(shortLived));
        Assert.NotNull(await Files.GetBlobAsync(longLived));
    }

    [Fact]
    public async Task Reclaim_ANewFileForTheBytes_KeepsThem()
    {
        var owner = await NewUserAsync();
        var sha = Sha();
        Ok(await Files.AddFileAsync(File(owner, sha, lifetime: TimeSpan.FromDays(1)), Blob(sha), null, 0, Now));
        var later = Now + TimeSpan.FromDays(2);

        Ok(await Files.AddFileAsync(File(owner, sha) with { CreatedAt = later, ExpiresAt = later + Day }, null, null, 0, later));

        Assert.False(await Files.MarkBlobDeletingAsync(sha, later));
    }

    [Fact]
    public async Task TakeExpiredUploads_RemovesThoseNobodyWrites()
    {
        var owner = await NewUserAsync();
        var idle = Ok(await Files.CreateUploadAsync(Upload(owner), 0, 10));
        var busy = Ok(await Files.CreateUploadAsync(Upload(owner), 0, 10));
        var fresh = Ok(await Files.CreateUploadAsync(Upload(owner) with { ExpiresAt = Now + TimeSpan.FromDays(3) }, 0, 10));
        var later = Now + TimeSpan.FromDays(2);
        Ok(await Files.ClaimUploadAsync(busy.Id, owner, 0, "l", Now + Day - TimeSpan.FromSeconds(1), later.AddSeconds(30)));

        var taken = await Files.TakeExpiredUploadsAsync(later, 10_000);

        Assert.Contains(idle.Id, taken.Select(u => u.Id));
        Assert.DoesNotContain(busy.Id, taken.Select(u => u.Id));
        Assert.DoesNotContain(fresh.Id, taken.Select(u => u.Id));
        Assert.Null(await Files.GetUploadAsync(idle.Id));
        Assert.NotNull(await Files.GetUploadAsync(fresh.Id));
    }

    [Fact]
    public async Task MessageWithAFile_KeepsItsAttachment_OnlyThePairMaySeeTheFile_UntilRecalled()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var fileId = FileRules.NewId();
        var attachment = new Attachment(fileId, "猫.jpg", 1234, "image/jpeg", 800, 600, Preview: true);

        var sent = await Messages.SendAsync(new Penguin.Core.Messaging.NewMessage(alice, bob, "c-file", null, Now, attachment), NoEvents<Penguin.Core.Messaging.MessageRecord>());

        Assert.Equal(attachment, sent.Value.Message.Attachment);
        Assert.Equal(attachment, (await Messages.HistoryAsync(bob, alice, long.MaxValue, 10)).Single().Attachment);
        Assert.True(await Messages.MaySeeFileAsync(alice, fileId));
        Assert.True(await Messages.MaySeeFileAsync(bob, fileId));
        Assert.False(await Messages.MaySeeFileAsync(carol, fileId));
        Assert.False(await Messages.MaySeeFileAsync(bob, FileRules.NewId()));

        Ok(await Messages.RecallAsync(alice, sent.Value.Message.Id, Now, TimeSpan.FromMinutes(2), NoEvents<Penguin.Core.Messaging.MessageRecord>()));

        Assert.False(await Messages.MaySeeFileAsync(bob, fileId));
        Assert.Null((await Messages.HistoryAsync(bob, alice, long.MaxValue, 10)).Single().Attachment);
    }

    [Fact]
    public async Task GroupMessageWithAFile_KeepsItsAttachment_MembersWhoJoinedBeforeMaySeeIt_UntilRecalledOrTheyLeave()
    {
        var owner = await NewUserAsync("owner");
        var bob = await NewUserAsync("bob");
        var latecomer = await NewUserAsync("late");
        var stranger = await NewUserAsync("stranger");
        var group = (await Groups.CreateAsync(new Penguin.Core.Groups.NewGroup(owner, "相册群", "penguin-03", "", GroupJoinPolicy.Open, Now),
            NoEvents<Penguin.Core.Groups.GroupMembership>())).Value.Value.Group.Id;
        Ok(await Groups.AddMemberAsync(group, bob, Now, 500, NoEvents<Penguin.Core.Groups.GroupMembership>()));
        var fileId = FileRules.NewId();
        var attachment = new Attachment(fileId, "合照.jpg", 4321, "image/jpeg", 640, 480, Preview: true);

        var sent = Ok(await Groups.SendAsync(new Penguin.Core.Groups.NewGroupMessage(group, owner, "g-file", null, [], false, Now, attachment),
            NoEvents<Penguin.Core.Groups.GroupMessageRecord>())).Value.Message;
        Ok(await Groups.AddMemberAsync(group, latecomer, Now, 500, NoEvents<Penguin.Core.Groups.GroupMembership>()));

        Assert.Equal(attachment, sent.Attachment);
        Assert.Null(sent.Text);
        Assert.Equal(sent, (await Groups.HistoryAsync(group, 0, long.MaxValue, 10, oldestFirst: true)).Single());
        Assert.Equal(sent, await Groups.FindSentAsync(group, owner, "g-file"));
        Assert.True(await Groups.MaySeeFileAsync(owner, fileId));
        Assert.True(await Groups.MaySeeFileAsync(bob, fileId));
        Assert.False(await Groups.MaySeeFileAsync(latecomer, fileId));
        Assert.False(await Groups.MaySeeFileAsync(stranger, fileId));
        Assert.False(await Groups.MaySeeFileAsync(bob, FileRules.NewId()));
        // A one-to-one store knows nothing of group files, and the other way round.
        Assert.False(await Messages.MaySeeFileAsync(bob, fileId));

        Ok(await Groups.RemoveMemberAsync(group, bob, NoEvents<Penguin.Core.Groups.GroupRecord>()));
        Assert.False(await Groups.MaySeeFileAsync(bob, fileId));

        var recalled = Ok(await Groups.RecallAsync(group, sent.Id, Now));
        Assert.Null(recalled.Attachment);
        Assert.False(await Groups.MaySeeFileAsync(owner, fileId));
        Assert.Null((await Groups.HistoryAsync(group, 0, long.MaxValue, 10, oldestFirst: true)).Single().Attachment);
    }
}
