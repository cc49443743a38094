using Microsoft.Extensions.Time.Testing;
using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Core.Tests;

public sealed class AccountRulesTests
{
    [Theory]
    [InlineData("企鹅")]
    [InlineData("Penguin")]
    [InlineData("小企鹅🐧")]
    [InlineData("👨‍👩‍👧‍👦家")] // a family emoji is one character to a person
    [InlineData("二十四个字二十四个字二十四个字二十四个字二十四个")]
    public void Nickname_Valid_IsAccepted(string nickname) => Assert.Null(Validation.Nickname(nickname));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    [InlineData("二十五个字二十五个字二十五个字二十五个字二十五个字")]
    [InlineData("nul\0byte")]
    [InlineData("new\nline")]
    [InlineData("rtl\u202Eoverride")]
    [InlineData("isolate\u2066")]
    public void Nickname_Invalid_IsRefused(string? nickname) =>
        Assert.Equal("invalid_nickname", Validation.Nickname(nickname)?.Code);

    /// <summary>A surrogate without its pair is not text (an escape in JSON or XML could make one); built at run time, as attribute strings cannot hold one.</summary>
    [Fact]
    public void Text_WithALoneSurrogate_IsRefusedEverywhere()
    {
        string[] lone = ["lone" + (char)0xD800, (char)0xDC00 + "lone", "two highs" + (char)0xD83D + (char)0xD83D];
        foreach (var text in lone)
        {
            Assert.Equal("invalid_nickname", Validation.Nickname(text)?.Code);
            Assert.Equal("invalid_field", Validation.Text(text, 100, "signature")?.Code);
            Assert.True(Validation.HasControl(text));
        }
        Assert.False(Validation.HasLoneSurrogate("企鹅🐧👨‍👩‍👧"));
    }

    [Fact]
    public void TextLength_CountsWhatPeopleSeeAsCharacters()
    {
        Assert.Equal(2, Validation.TextLength("企鹅"));
        Assert.Equal(1, Validation.TextLength("🐧"));
        Assert.Equal(1, Validation.TextLength("👍🏽"));
    }

    [Fact]
    public void PasswordHasher_VerifiesOnlyTheRightPassword()
    {
        var hasher = new PasswordHasher(iterations: 1000);
        var hash = hasher.Hash("密码 password 🔑");

        Assert.True(hasher.Verify("密码 password 🔑", hash));
        Assert.False(hasher.Verify("密码 password", hash));
        Assert.DoesNotContain("password", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, hasher.Hash("密码 password 🔑")); // salted
        Assert.False(hasher.Verify("x", "not-a-hash"));
    }

    [Fact]
    public void SessionTokens_AreRandomAndStoredOnlyAsHashes()
    {
        var a = SessionTokens.NewToken();
        var b = SessionTokens.NewToken();

        Assert.NotEqual(a, b);
        Assert.Equal(43, a.Length); // 256 bits, base64url without padding
        Assert.Equal(SessionTokens.HashOf(a), SessionTokens.HashOf(a));
        Assert.NotEqual(SessionTokens.HashOf(a), SessionTokens.HashOf(b));
    }

    [Fact]
    public void Throttle_AllowsTheLimitPerWindow_ThenRecovers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var throttle = new FixedWindowThrottle(limit: 3, TimeSpan.FromMinutes(1), time);

        Assert.True(throttle.TryAcquire("10.0.0.1"));
        Assert.True(throttle.TryAcquire("10.0.0.1"));
        Assert.True(throttle.TryAcquire("10.0.0.1"));
        Assert.False(throttle.TryAcquire("10.0.0.1"));
        Assert.True(throttle.IsBlocked("10.0.0.1"));
        Assert.True(throttle.TryAcquire("10.0.0.2")); // keys are independent

        time.Advance(TimeSpan.FromSeconds(61));

        Assert.False(throttle.IsBlocked("10.0.0.1"));
        Assert.True(throttle.TryAcquire("10.0.0.1"));
    }

    [Fact]
    public void Throttle_Reset_ClearsTheKey()
    {
        var throttle = new FixedWindowThrottle(limit: 1, TimeSpan.FromMinutes(1), new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        throttle.Record("k");
        Assert.True(throttle.IsBlocked("k"));
        throttle.Reset("k");
        Assert.False(throttle.IsBlocked("k"));
    }

    [Fact]
    public void StrangerProfile_ShowsOnlyWhatTheOwnerAllows()
    {
        var user = new UserRecord(10001, "阿丽", "penguin-01", "motto", Gender.Female, new DateOnly(2000, 1, 2), new Region("广东", "深圳"),
            new AccountSettings(AddPolicy.Verify, ShowSignature: true, ShowGender: false, ShowBirthday: false, ShowRegion: true));

        var stranger = user.StrangerProfile;

        Assert.Equal(new Profile(10001, "阿丽", "penguin-01", "motto", null, null, new Region("广东", "深圳")), stranger);
        Assert.Equal(user.FullProfile, user.ProfileFor(friendOrSelf: true));
        Assert.Equal(new DateOnly(2000, 1, 2), user.FullProfile.Birthday);
    }
}
