using Penguin.Protocol;

namespace Penguin.Cli.Output;

/// <summary>Names of protocol values as people read them, in both languages.</summary>
public static class Words
{
    public static string Status(this Printer p, PresenceStatus status) => status switch
    {
        PresenceStatus.Online => p.T("online", "在线"),
        PresenceStatus.Away => p.T("away", "离开"),
        PresenceStatus.Busy => p.T("busy", "忙碌"),
        PresenceStatus.DoNotDisturb => p.T("do not disturb", "请勿打扰"),
        PresenceStatus.Invisible => p.T("invisible", "隐身"),
        _ => p.T("offline", "离线"),
    };

    public static string StatusIcon(PresenceStatus status) => status switch
    {
        PresenceStatus.Online => "●",
        PresenceStatus.Away or PresenceStatus.Busy or PresenceStatus.DoNotDisturb => "◐",
        _ => "○",
    };

    public static string Device(this Printer p, DeviceKind device) => device switch
    {
        DeviceKind.Pc => p.T("pc", "电脑"),
        DeviceKind.Mobile => p.T("mobile", "手机"),
        _ => p.T("web", "网页"),
    };

    public static string Gender(this Printer p, Gender? gender) => gender switch
    {
        Protocol.Gender.Male => p.T("male", "男"),
        Protocol.Gender.Female => p.T("female", "女"),
        null => "",
        _ => p.T("unknown", "未知"),
    };

    public static string Policy(this Printer p, AddPolicy policy) => policy switch
    {
        AddPolicy.Anyone => p.T("anyone may add me", "允许任何人添加"),
        AddPolicy.Verify => p.T("requests need my approval", "需要验证"),
        _ => p.T("nobody may add me", "不允许任何人添加"),
    };

    public static string State(this Printer p, FriendRequestState state) => state switch
    {
        FriendRequestState.Pending => p.T("pending", "待处理"),
        FriendRequestState.Accepted => p.T("accepted", "已同意"),
        _ => p.T("declined", "已拒绝"),
    };

    public static string YesNo(this Printer p, bool value) => value ? p.T("yes", "是") : p.T("no", "否");

    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    public static string Region(Region? region) =>
        region is null ? "" : string.Join(" ", new[] { region.Province, region.City }.Where(s => !string.IsNullOrEmpty(s)));

    /// <summary>
    /// Columns on a terminal: how many cells <paramref name="text"/> takes. East Asian wide and fullwidth characters
    /// (Chinese, Japanese, Korean, most emoji) take two, combining marks and format characters none, the rest one.
    /// </summary>
    public static int Width(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes()) width += Width(rune);
        return width;
    }

    public static int Width(System.Text.Rune rune)
    {
        var c = rune.Value;
        if (c < 0x20) return 0;
        if (System.Text.Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.EnclosingMark or System.Globalization.UnicodeCategory.Format) return 0;
        return c is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x20000 and <= 0x3FFFD)
            ? 2 : 1;
    }

    /// <summary>The text followed by spaces up to <paramref name="width"/> terminal columns (a table cell).</summary>
    public static string Pad(string text, int width) => text + new string(' ', Math.Max(0, width - Width(text)));

    /// <summary>"Nickname (number)".</summary>
    public static string Person(Profile profile) => $"{profile.Nickname} ({profile.Number})";
}
