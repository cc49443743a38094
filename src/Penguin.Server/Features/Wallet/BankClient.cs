using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Penguin.Core.Wallet.Bank;

namespace Penguin.Server.Features.Wallet;

/// <summary>
/// The bank gateway over HTTP (penguin-bank's API, docs/protocol.md "13.9"): every request signed with the shared
/// secret, a charge or payout told where to call back. No answer within <see cref="BankOptions.RequestTimeout"/>, a
/// refused connection or a 5xx is <see cref="BankUnavailableException"/>: the outcome is unknown, not a failure.
/// </summary>
public sealed class BankClient(BankOptions options, TimeProvider time, IServiceProvider services) : IBankGateway, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = options.RequestTimeout };

    public bool IsConfigured => options.IsConfigured;

    public ValueTask<BankPayment> ChargeAsync(BankPaymentRequest request, CancellationToken cancellationToken = default) => PayAsync("v1/charges", request, cancellationToken);

    public ValueTask<BankPayment> PayoutAsync(BankPaymentRequest request, CancellationToken cancellationToken = default) => PayAsync("v1/payouts", request, cancellationToken);

    public async ValueTask<BankPayment?> GetAsync(string merchantRequestId, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"v1/payments/{Uri.EscapeDataString(merchantRequestId)}", [], cancellationToken);
        return status == HttpStatusCode.NotFound ? null : Read(status, body, BankJson.Default.BankPayment);
    }

    public async ValueTask<BankPaymentList> ListAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, FormattableString.Invariant($"v1/payments?after={after}&limit={limit}"), [], cancellationToken);
        return Read(status, body, BankJson.Default.BankPaymentList);
    }

    public bool VerifyCallback(string? timestamp, string? signature, string method, string path, ReadOnlySpan<byte> body) =>
        options.Secret is { } secret && BankSignature.Verify(secret, timestamp, signature, method, path, body, time.GetUtcNow(), options.ReplayWindow);

    public void Dispose() => _http.Dispose();

    private async ValueTask<BankPayment> PayAsync(string path, BankPaymentRequest request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request with { NotifyUrl = NotifyUrl() }, BankJson.Default.BankPaymentRequest);
        var (status, answer) = await SendAsync(HttpMethod.Post, path, body, cancellationToken);
        return Read(status, answer, BankJson.Default.BankPayment);
    }

    private async Task<(HttpStatusCode, byte[])> SendAsync(HttpMethod method, string relative, byte[] body, CancellationToken cancellationToken)
    {
        if (!options.IsConfigured) throw new BankUnavailableException("No bank gateway is configured.");
        var url = new Uri(new Uri(options.Url!.TrimEnd('/') + "/"), relative);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(method, url);
        if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }
        request.Headers.Add(BankSignature.TimestampHeader, now.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(BankSignature.SignatureHeader, BankSignature.Sign(options.Secret!, now, method.Method, url.PathAndQuery, body));
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if ((int)response.StatusCode >= 500) throw new BankUnavailableException($"The bank answered {(int)response.StatusCode}.");
            return (response.StatusCode, answer);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new BankUnavailableException($"The bank did not answer: {e.Message}", e);
        }
    }

    private static T Read<T>(HttpStatusCode status, byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        // A 4xx is our bug (a bad signature, a malformed request): nothing was recorded at the bank, the payment stays pending and is abandoned later.
        if (status != HttpStatusCode.OK) throw new BankUnavailableException($"The bank refused the request ({(int)status}): {System.Text.Encoding.UTF8.GetString(body)}");
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new BankUnavailableException("The bank answered null.");
        }
        catch (JsonException e)
        {
            throw new BankUnavailableException("The bank's answer could not be read.", e);
        }
    }

    /// <summary>Where the bank calls back: <see cref="BankOptions.PublicUrl"/>, or the first address this server listens on.</summary>
    private string? NotifyUrl()
    {
        var root = options.PublicUrl;
        if (string.IsNullOrEmpty(root))
            root = (services.GetService(typeof(IServer)) as IServer)?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return root is null ? null : root.TrimEnd('/') + options.NotifyPath;
    }
}
