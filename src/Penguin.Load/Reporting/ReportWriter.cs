using System.Globalization;
using System.Text.Json;

namespace Penguin.Load.Reporting;

/// <summary>Writes a run's Markdown, JSON and SVG side by side: &lt;scenario&gt;-&lt;users&gt;-&lt;utc time&gt;.{md,json,svg}.</summary>
public static class ReportWriter
{
    public sealed record Files(string Markdown, string Json, string Svg);

    public static Files Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = $"{report.Scenario}-{report.Settings.Users.ToString(CultureInfo.InvariantCulture)}-{report.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        var files = new Files(Path.Combine(directory, stem + ".md"), Path.Combine(directory, stem + ".json"), Path.Combine(directory, stem + ".svg"));
        File.WriteAllText(files.Svg, SvgChart.Render($"{report.Scenario}, {report.Settings.Users.ToString(CultureInfo.InvariantCulture)} users", report.Series));
        File.WriteAllText(files.Markdown, MarkdownReport.Render(report, Path.GetFileName(files.Svg)));
        File.WriteAllText(files.Json, JsonSerializer.Serialize(report, LoadJson.Default.RunReport));
        return files;
    }
}
