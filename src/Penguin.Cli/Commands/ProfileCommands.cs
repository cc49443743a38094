using Penguin.Cli.Runtime;
using Penguin.Cli.Output;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>The own profile and privacy settings, and other people's profiles.</summary>
public static class ProfileCommands
{
    private const string Section = "Profile / 资料";
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "profile show", "[number]", "Show your profile or someone else's", "查看自己或他人的资料", ShowAsync),
        new(Section, "profile set", "", "Change your profile", "修改个人资料", SetAsync,
            new("nickname", "TEXT", "Nickname", "昵称"),
            new("signature", "TEXT", "Personal signature", "个性签名"),
            new("gender", "male|female|unknown", "Gender", "性别"),
            new("birthday", "yyyy-MM-dd", "Birthday", "生日"),
            new("province", "TEXT", "Province", "省份"),
            new("city", "TEXT", "City", "城市"),
            new("avatar", "NAME", "Avatar (see 'profile avatars')", "头像（见 profile avatars）")),
        new(Section, "profile avatars", "", "List the avatars you can choose", "列出可选头像", AvatarsAsync),
        new(Section, "profile avatar", "<path>", "Make a picture (JPEG, PNG, GIF, WebP) your avatar; friends see it at once",
            "把图片（JPEG、PNG、GIF、WebP）设为头像，好友立即可见", AvatarAsync),
        new(Section, "settings", "", "Show your privacy settings", "查看隐私设置", SettingsShowAsync),
        new(Section, "settings set", "", "Change who may add you and what strangers see", "修改加好友方式和陌生人可见的资料", SettingsSetAsync,
            new("add-policy", "anyone|verify|nobody", "Who may add you as a friend", "谁可以加你为好友"),
            new("show-signature", "true|false", "Strangers see your signature", "陌生人可见签名"),
            new("show-gender", "true|false", "Strangers see your gender", "陌生人可见性别"),
            new("show-birthday", "true|false", "Strangers see your birthday", "陌生人可见生日"),
            new("show-region", "true|false", "Strangers see your region", "陌生人可见地区"),
            new("stranger-messages", "true|false", "Strangers may message you (temporary sessions)", "允许陌生人发消息（临时会话）")),
    ];

    private static readonly Dictionary<string, Gender> Genders = new() { ["male"] = Gender.Male, ["female"] = Gender.Female, ["unknown"] = Gender.Unknown };
    private static readonly Dictionary<string, AddPolicy> Policies = new() { ["anyone"] = AddPolicy.Anyone, ["verify"] = AddPolicy.Verify, ["nobody"] = AddPolicy.Nobody };

    public static void WriteProfile(Printer p, Profile profile)
    {
        p.Field("Number", "账号", profile.Number);
        p.Field("Nickname", "昵称", profile.Nickname);
        p.Field("Signature", "签名", profile.Signature);
        p.Field("Gender", "性别", p.Gender(profile.Gender));
        p.Field("Birthday", "生日", profile.Birthday?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        p.Field("Region", "地区", Words.Region(profile.Region));
        p.Field("Avatar", "头像", profile.Avatar);
    }

    private static async Task<int> ShowAsync(Invocation inv)
    {
        using var client = inv.Client();
        Profile profile;
        try
        {
            profile = inv.Args.Count > 0 ? await client.GetUserAsync(inv.Number(0), inv.Cancel) : (await client.GetMeAsync(inv.Cancel)).Profile;
        }
        catch (Client.PenguinException e) when (e.Error.Code == Errors.NotFound.Code && inv.Args.Count > 0)
        {
            throw FriendCommands.NoSuchAccount(inv.Arg(0), e.Error);
        }
        inv.Out.Result(profile, Json.Profile, p => WriteProfile(inv.Out, p));
        return 0;
    }

    private static async Task<int> SetAsync(Invocation inv)
    {
        var change = new UpdateProfileRequest(
            inv.Option("nickname"),
            inv.Option("avatar"),
            inv.Option("signature"),
            inv.Option("gender") is { } g ? inv.Choice(g, "--gender", Genders) : null,
            inv.Option("birthday") is { } b ? inv.Date(b, "--birthday") : null);
        var regionGiven = inv.Option("province") is not null || inv.Option("city") is not null;
        if (change == new UpdateProfileRequest() && !regionGiven)
            throw inv.Usage("Say what to change, e.g. --nickname or --signature.", "请指定要修改的内容，例如 --nickname 或 --signature。");

        using var client = inv.Client();
        if (regionGiven)
        {
            // The server replaces the region as a whole: keep the half that was not given.
            var current = (await client.GetMeAsync(inv.Cancel)).Profile.Region;
            change = change with { Region = new Region(inv.Option("province") ?? current?.Province, inv.Option("city") ?? current?.City) };
        }
        var profile = await client.UpdateProfileAsync(change, inv.Cancel);
        inv.Out.Result(profile, Json.Profile, p =>
        {
            inv.Out.Line("Profile updated.", "资料已更新。");
            WriteProfile(inv.Out, p);
        });
        return 0;
    }

    /// <summary>Uploads the picture (秒传 when the server holds it) and makes it the avatar; the server checks it is a picture.</summary>
    private static async Task<int> AvatarAsync(Invocation inv)
    {
        var path = inv.Arg(0);
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
            throw inv.Usage("Give the path of a picture.", "请给出图片的路径。");
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new CliException(Errors.NotFound.With($"There is no file '{path}'.", $"文件“{path}”不存在。"));
        using var client = inv.Client();
        Profile profile;
        await using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            var stored = await client.UploadAsync(stream, file.Name, FileCommands.ContentTypeOf(file.Name), ct: inv.Cancel);
            profile = await client.SetAvatarAsync(stored.Id, inv.Cancel);
        }
        inv.Out.Result(profile, Json.Profile, p =>
        {
            inv.Out.Line("Avatar set.", "头像已设置。");
            WriteProfile(inv.Out, p);
        });
        return 0;
    }

    private static async Task<int> AvatarsAsync(Invocation inv)
    {
        using var client = inv.Anonymous();
        var avatars = await client.GetAvatarsAsync(inv.Cancel);
        inv.Out.Result(avatars, Json.AvatarList, a => { foreach (var id in a.Avatars) inv.Out.Line(id); });
        return 0;
    }

    private static void WriteSettings(Printer p, AccountSettings s)
    {
        p.Field("Friend requests", "加好友方式", p.Policy(s.AddPolicy));
        p.Field("Strangers see signature", "陌生人可见签名", p.YesNo(s.ShowSignature));
        p.Field("Strangers see gender", "陌生人可见性别", p.YesNo(s.ShowGender));
        p.Field("Strangers see birthday", "陌生人可见生日", p.YesNo(s.ShowBirthday));
        p.Field("Strangers see region", "陌生人可见地区", p.YesNo(s.ShowRegion));
        p.Field("Strangers may message me", "允许陌生人发消息", p.YesNo(s.AllowStrangerMessages));
    }

    private static async Task<int> SettingsShowAsync(Invocation inv)
    {
        using var client = inv.Client();
        var settings = (await client.GetMeAsync(inv.Cancel)).Settings;
        inv.Out.Result(settings, Json.AccountSettings, s => WriteSettings(inv.Out, s));
        return 0;
    }

    private static async Task<int> SettingsSetAsync(Invocation inv)
    {
        var policy = inv.Option("add-policy") is { } a ? inv.Choice(a, "--add-policy", Policies) : (AddPolicy?)null;
        bool? signature = inv.BoolOption("show-signature"), gender = inv.BoolOption("show-gender"),
            birthday = inv.BoolOption("show-birthday"), region = inv.BoolOption("show-region"),
            strangers = inv.BoolOption("stranger-messages");
        if (policy is null && signature is null && gender is null && birthday is null && region is null && strangers is null)
            throw inv.Usage("Say what to change, e.g. --add-policy verify.", "请指定要修改的设置，例如 --add-policy verify。");

        using var client = inv.Client();
        var current = (await client.GetMeAsync(inv.Cancel)).Settings;
        var updated = await client.UpdateSettingsAsync(new AccountSettings(
            policy ?? current.AddPolicy,
            signature ?? current.ShowSignature,
            gender ?? current.ShowGender,
            birthday ?? current.ShowBirthday,
            region ?? current.ShowRegion,
            strangers ?? current.AllowStrangerMessages), inv.Cancel);
        inv.Out.Result(updated, Json.AccountSettings, s =>
        {
            inv.Out.Line("Settings updated.", "设置已更新。");
            WriteSettings(inv.Out, s);
        });
        return 0;
    }
}
