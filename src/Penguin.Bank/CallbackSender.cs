using Penguin.Core.Wallet.Bank;

namespace Penguin.Bank;

/// <summary>
/// Sends the due callbacks to the merchant's notify URL, signed like every request, and sends again those not
/// accepted (no 2xx in time), up to <see cref="BankSettings.CallbackMaxAttempts"/>. Due callbacks are in the records, so
/// one interrupted by a kill is sent after the restart (a merchant may so see it twice: it must not care).
/// </summary>
public sealed partial class CallbackSender(BankRecords records, BankSettings settings, TimeProvider time, ILogger<CallbackSender> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await records.DueCallbacksAsync(time.GetUtcNow(), 32);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                    async (callback, token) => await SendAsync(callback.Id, callback.NotifyUrl, callback.Attempts, callback.Payment, token));
                if (due.Count == 0) await Task.Delay(Tick, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LoopFailed(e);
                await Task.Delay(Tick, time, stoppingToken);
            }
        }
    }

    private async Task SendAsync(long id, string notifyUrl, int attempts, BankPayment payment, CancellationToken cancellationToken)
    {
        var url = new Uri(notifyUrl);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payment, BankJson.Default.BankPayment);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(BankSignature.TimestampHeader, now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(BankSignature.SignatureHeader, BankSignature.Sign(settings.Secret, now, "POST", url.PathAndQuery, body));
        var accepted = false;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            accepted = response.IsSuccessStatusCode;
            if (!accepted) Refused(payment.MerchantRequestId, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Unreachable(payment.MerchantRequestId, e.Message);
        }
        attempts++;
        if (accepted) await records.UpdateCallbackAsync(id, "sent", attempts, time.GetUtcNow());
        else if (attempts >= settings.CallbackMaxAttempts) await records.UpdateCallbackAsync(id, "failed", attempts, time.GetUtcNow());
        else await records.UpdateCallbackAsync(id, "due", attempts, time.GetUtcNow() + settings.CallbackRetryInterval * attempts);
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Callback for {MerchantRequestId} refused with {Status}; sending it again later")]
    private partial void Refused(string merchantRequestId, int status);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "Callback for {MerchantRequestId} not delivered ({Reason}); sending it again later")]
    private partial void Unreachable(string merchantRequestId, string reason);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Error, Message = "The callback loop failed; going on")]
    private partial void LoopFailed(Exception e);
}
