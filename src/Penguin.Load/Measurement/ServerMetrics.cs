using System.Globalization;

namespace Penguin.Load.Measurement;

/// <summary>Reads the server's Prometheus text at /metrics into name → value.</summary>
public static class ServerMetrics
{
    public static IReadOnlyDictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space <= 0) continue;
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                values[line[..space]] = value;
        }
        return values;
    }

    /// <summary>Scrapes /metrics; an empty map when the server does not answer.</summary>
    public static async Task<IReadOnlyDictionary<string, double>> ScrapeAsync(HttpMessageInvoker invoker, Uri server, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/metrics"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await invoker.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode) return new Dictionary<string, double>();
            return Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return new Dictionary<string, double>();
        }
    }
}
