using System.Globalization;

namespace Penguin.Load.Reporting;

internal static class Format
{
    public static string N(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Opt(long? value) => value is { } v ? N(v) : "n/a";

    public static string Opt(double? value, int decimals = 1) => value is { } v ? N(v, decimals) : "n/a";
}
