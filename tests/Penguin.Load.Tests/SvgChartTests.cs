using System.Xml.Linq;
using Penguin.Load.Measurement;
using Penguin.Load.Reporting;

namespace Penguin.Load.Tests;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Render_TwelveSeconds_WellFormedWithTwelvePointsPerLine()
    {
        var series = Enumerable.Range(0, 12)
            .Select(s => new SeriesPoint(s, s * 10, s % 3 == 0 ? 1 : 0, 1.5, 2.5 * s, 1000, 50))
            .ToArray();

        var doc = XDocument.Parse(SvgChart.Render("idle <1000> & more", series));

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var lines = doc.Descendants(Svg + "polyline").ToArray();
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            var points = line.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(12, points.Length);
            Assert.All(points, p => Assert.Equal(2, p.Split(',').Length));
        }
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "idle <1000> & more");
    }

    [Fact]
    public void Render_EmptySeries_StillWellFormed()
    {
        var doc = XDocument.Parse(SvgChart.Render("empty", []));

        Assert.Equal(2, doc.Descendants(Svg + "polyline").Count());
    }

    [Fact]
    public void Render_OnlineRecorded_ThirdDashedLineWithItsScale()
    {
        var series = Enumerable.Range(0, 10).Select(s => new SeriesPoint(s, 5, 0, 1, 2, null, null, s < 2 ? null : 10 * s)).ToArray();

        var doc = XDocument.Parse(SvgChart.Render("day", series));

        var online = Assert.Single(doc.Descendants(Svg + "polyline"), l => (string?)l.Attribute("class") == "online");
        Assert.Equal(8, online.Attribute("points")!.Value.Split(' ').Length); // only the seconds that recorded it
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("top of the chart = 100", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 10)]
    [InlineData(130, 200)]
    [InlineData(4200, 5000)]
    public void NiceCeiling_RoundsUpToOneTwoFive(double value, double expected)
    {
        Assert.Equal(expected, SvgChart.NiceCeiling(value));
    }
}
