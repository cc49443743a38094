using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Penguin.Core.Wallet.Bank;

namespace Penguin.Bank;

/// <summary>
/// The gateway's API (docs/protocol.md "13.9 The bank gateway"): charges, payouts, a payment by the merchant's request
/// id, the list for reconciliation. Every /v1 request must be signed (<see cref="BankSignature"/>); a charge or payout
/// is idempotent on the merchant's request id. The test cards decide an outcome for certain by their last four digits.
/// </summary>
public static class BankEndpoints
{
    public const string DeclineCard = "0002";
    public const string TimeoutCard = "0119";
    public const string TimeoutSilentCard = "0129";
    public const string NoCallbackCard = "0077";
    public const string TwoCallbacksCard = "0088";

    private const int MaxBody = 16 * 1024;

    public static void MapBankApi(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapPost("/v1/charges", (HttpContext http, BankRecords records, BankSettings settings, TimeProvider time) => PayAsync(http, "charge", records, settings, time));
        app.MapPost("/v1/payouts", (HttpContext http, BankRecords records, BankSettings settings, TimeProvider time) => PayAsync(http, "payout", records, settings, time));
        app.MapGet("/v1/payments/{merchantRequestId}", async (string merchantRequestId, HttpContext http, BankRecords records, BankSettings settings, TimeProvider time) =>
        {
            if (await VerifyAsync(http, settings, time) is null) return Unsigned();
            return await records.GetAsync(merchantRequestId) is { } payment
                ? Results.Json(payment, BankJson.Default.BankPayment)
                : Fail(404, "not_found", "No payment with this merchant request id.");
        });
        app.MapGet("/v1/payments", async (long? after, int? limit, HttpContext http, BankRecords records, BankSettings settings, TimeProvider time) =>
        {
            if (await VerifyAsync(http, settings, time) is null) return Unsigned();
            if (after is < 0 || limit is < 1 or > 1000) return Fail(400, "bad_request", "after must be 0 or more, limit 1 to 1000.");
            return Results.Json(await records.ListAsync(after ?? 0, limit ?? 100), BankJson.Default.BankPaymentList);
        });
    }

    private static async Task<IResult> PayAsync(HttpContext http, string kind, BankRecords records, BankSettings settings, TimeProvider time)
    {
        if (await VerifyAsync(http, settings, time) is not { } body) return Unsigned();
        BankPaymentRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, BankJson.Default.BankPaymentRequest);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null) return Fail(400, "bad_request", "The body is not a payment request.");
        if (request.MerchantRequestId is not { Length: >= 1 and <= 64 }) return Fail(400, "bad_request", "merchantRequestId must be 1 to 64 characters.");
        if (request.Amount <= 0) return Fail(400, "invalid_amount", "The amount must be more than zero fen.");
        if (request.Currency != "CNY") return Fail(400, "invalid_currency", "Only CNY is supported.");
        if (request.Card is not { Length: >= 12 and <= 19 } || !request.Card.All(char.IsAsciiDigit)) return Fail(400, "invalid_card", "The card number must be 12 to 19 digits.");
        if (request.NotifyUrl is not null && (!Uri.TryCreate(request.NotifyUrl, UriKind.Absolute, out var notify) || notify.Scheme is not ("http" or "https")))
            return Fail(400, "bad_request", "notifyUrl must be an http(s) address.");

        if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, time, http.RequestAborted);
        var last4 = request.Card[^4..];
        var declined = last4 == DeclineCard || Random.Shared.NextDouble() < settings.DeclineRate;
        var now = time.GetUtcNow();
        var payment = new BankPayment($"{(kind == "charge" ? "ch" : "po")}_{Guid.NewGuid():N}", 0, request.MerchantRequestId, kind, request.Amount, "CNY", last4,
            declined ? "declined" : "succeeded", now, declined ? (kind == "charge" ? "insufficient funds on the card" : "the card refuses payouts") : null);
        var callbacks = last4 is NoCallbackCard or TimeoutSilentCard || Random.Shared.NextDouble() < settings.CallbackDropRate ? 0
            : last4 == TwoCallbacksCard || Random.Shared.NextDouble() < settings.CallbackDuplicateRate ? 2 : 1;
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}|{request.Amount}|{request.Currency}|{request.Card}")));
        var (recorded, existing, conflict) = await records.RecordAsync(payment, fingerprint, request.NotifyUrl, callbacks, now + settings.CallbackDelay);
        if (conflict) return Fail(409, "idempotency_conflict", "This merchant request id was used for a different payment.");
        // Accepted and recorded, never answered: the merchant must find out by the callback or by asking.
        if (!existing && (last4 is TimeoutCard or TimeoutSilentCard || Random.Shared.NextDouble() < settings.TimeoutRate))
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, http.RequestAborted);
        }
        return Results.Json(recorded, BankJson.Default.BankPayment);
    }

    /// <summary>The body when the request's signature and timestamp are right; null otherwise.</summary>
    private static async Task<byte[]?> VerifyAsync(HttpContext http, BankSettings settings, TimeProvider time)
    {
        if (http.Request.ContentLength > MaxBody) return null;
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length > MaxBody) return null;
        var body = buffer.ToArray();
        var path = http.Request.Path.Value + http.Request.QueryString.Value;
        return BankSignature.Verify(settings.Secret, http.Request.Headers[BankSignature.TimestampHeader], http.Request.Headers[BankSignature.SignatureHeader],
            http.Request.Method, path, body, time.GetUtcNow(), settings.ReplayWindow) ? body : null;
    }

    private static IResult Unsigned() => Fail(401, "bad_signature", "The request's signature or timestamp is wrong.");

    private static IResult Fail(int status, string code, string message) => Results.Json(new BankError(code, message), BankJson.Default.BankError, statusCode: status);
}
