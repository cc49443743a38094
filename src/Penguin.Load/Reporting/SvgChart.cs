using System.Globalization;
using System.Security;
using System.Text;
using Penguin.Load.Measurement;

namespace Penguin.Load.Reporting;

/// <summary>
/// A hand-written SVG line chart of a run: measured operations completed per second (left axis) and their
/// p99 latency in that second (right axis), one point per second of the series; when the scenario recorded how many
/// devices were online, a third line shows that on its own scale (its maximum is in the legend).
/// </summary>
public static class SvgChart
{
    private const int Width = 900, Height = 360, Left = 70, Right = 70, Top = 40, Bottom = 45;

    public static string Render(string title, IReadOnlyList<SeriesPoint> series)
    {
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        var seconds = Math.Max(1, series.Count - 1);
        var maxRate = NiceCeiling(series.Count == 0 ? 0 : series.Max(p => p.Succeeded));
        var maxLatency = NiceCeiling(series.Count == 0 ? 0 : series.Max(p => p.P99Ms));

        string X(int second) => F(Left + plotW * (double)second / seconds);
        string Y(double value, double max) => F(Top + plotH - plotH * value / max);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{SecurityElement.Escape(title)}</text>\n");

        // Grid and axes: five steps on each side.
        for (var i = 0; i <= 5; i++)
        {
            var y = F(Top + plotH - plotH * i / 5.0);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y}\" x2=\"{Left + plotW}\" y2=\"{y}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#1f6feb\">{F(maxRate * i / 5.0)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW + 6}\" y=\"{y}\" dominant-baseline=\"middle\" fill=\"#d1242f\">{F(maxLatency * i / 5.0)}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 10}\">0 s</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW}\" y=\"{Height - 10}\" text-anchor=\"end\">{seconds} s</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">time since start</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{Top + plotH / 2}\" transform=\"rotate(-90 14 {Top + plotH / 2})\" text-anchor=\"middle\" fill=\"#1f6feb\">completed per second</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - 12}\" y=\"{Top + plotH / 2}\" transform=\"rotate(90 {Width - 12} {Top + plotH / 2})\" text-anchor=\"middle\" fill=\"#d1242f\">p99 latency (ms)</text>\n");

        svg.Append("<polyline class=\"throughput\" fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"");
        svg.AppendJoin(' ', series.Select(p => $"{X(p.Second)},{Y(p.Succeeded, maxRate)}"));
        svg.Append("\"/>\n");
        svg.Append("<polyline class=\"latency-p99\" fill=\"none\" stroke=\"#d1242f\" stroke-width=\"1.5\" points=\"");
        svg.AppendJoin(' ', series.Select(p => $"{X(p.Second)},{Y(p.P99Ms, maxLatency)}"));
        svg.Append("\"/>\n");
        var online = series.Where(p => p.Online is not null).ToArray();
        if (online.Length > 0)
        {
            var maxOnline = NiceCeiling(online.Max(p => p.Online!.Value));
            svg.Append("<polyline class=\"online\" fill=\"none\" stroke=\"#2da44e\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\" points=\"");
            svg.AppendJoin(' ', online.Select(p => $"{X(p.Second)},{Y(p.Online!.Value, maxOnline)}"));
            svg.Append("\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 8}\" y=\"{Top + 14}\" fill=\"#2da44e\">devices online (dashed; top of the chart = {F(maxOnline)})</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten at or above <paramref name="value"/> (1 for nothing).</summary>
    public static double NiceCeiling(double value)
    {
        if (value <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in (double[])[1, 2, 5, 10])
            if (step * magnitude >= value) return step * magnitude;
        return 10 * magnitude;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
