using System.Globalization;

namespace Penguin.Cli.Output;

/// <summary>
/// Amounts as people write them: yuan with at most two decimals ("12.34", "12", "0.5", "¥8.88") parsed exactly to
/// fen (an integer: no floating point anywhere), and fen written back as yuan.
/// </summary>
public static class Money
{
    /// <summary>The largest amount the CLI accepts (far above any limit; the server refuses what it does not allow).</summary>
    public const long MaxFen = 100_000_000_000_000;

    /// <summary>Fen, or null when the text is not a positive amount of yuan with at most two decimals.</summary>
    public static long? ParseYuan(string text)
    {
        var s = text.Trim().TrimStart('¥', '￥');
        if (s.EndsWith('元')) s = s[..^1];
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? "" : s[(dot + 1)..];
        if (whole.Length == 0 && fraction.Length == 0) return null;
        if (fraction.Length > 2 || (dot >= 0 && fraction.Length == 0)) return null;
        if (!whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || whole.Length > 13) return null;
        var yuan = whole.Length == 0 ? 0 : long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        var fen = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(2, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        var total = yuan * 100 + fen;
        return total is > 0 and <= MaxFen ? total : null;
    }

    /// <summary>"12.34" for 1234 fen; a sign for a movement out.</summary>
    public static string Yuan(long fen) =>
        (fen < 0 ? "-" : "") + (Math.Abs(fen) / 100).ToString(CultureInfo.InvariantCulture) + "." + (Math.Abs(fen) % 100).ToString("00", CultureInfo.InvariantCulture);
}
