using System.Text.Json;
using Penguin.Core.Wallet.Bank;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Wallet;

/// <summary>
/// Top-up and withdrawal (docs/protocol.md "13. Wallet"): /api/v1/wallet/topups, /withdrawals, /bank-payments, and
/// the bank's signed callback at <see cref="BankOptions.NotifyPath"/> (no session: the signature is the proof).
/// </summary>
public static class WalletBankEndpoints
{
    private const int MaxCallbackBytes = 16 * 1024;

    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapWalletBankApi(this IEndpointRouteBuilder app, BankOptions options)
    {
        var api = app.MapGroup("/api/v1/wallet").RequireSession();

        api.MapPost("/topups", async (TopUpRequest body, HttpContext http, Caller caller, WalletBankService bank) =>
            Answer(http, await bank.TopUpAsync(caller.UserId, Key(http), body, http.RequestAborted)));

        api.MapPost("/withdrawals", async (WithdrawRequest body, HttpContext http, Caller caller, WalletBankService bank) =>
            Answer(http, await bank.WithdrawAsync(caller.UserId, Key(http), body, http.RequestAborted)));

        api.MapGet("/bank-payments", async (Caller caller, WalletBankService bank, CancellationToken cancellationToken) =>
            Ok(await bank.ListAsync(caller.UserId, cancellationToken), Json.WalletBankPaymentList));

        api.MapGet("/bank-payments/{id}", async (string id, Caller caller, WalletBankService bank, CancellationToken cancellationToken) =>
            From(await bank.GetAsync(caller.UserId, id, cancellationToken), Json.WalletBankPayment));

        app.MapPost(options.NotifyPath, async (HttpContext http, IBankGateway gateway, WalletBankService bank) =>
        {
            if (http.Request.ContentLength > MaxCallbackBytes) return Fail(Errors.FrameTooLarge);
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            // Nothing is read from an unsigned callback: a forged one changes nothing.
            if (body.Length > MaxCallbackBytes || !gateway.VerifyCallback(http.Request.Headers[BankSignature.TimestampHeader], http.Request.Headers[BankSignature.SignatureHeader],
                    http.Request.Method, http.Request.PathBase.Value + http.Request.Path.Value + http.Request.QueryString.Value, body))
                return Fail(WalletBankErrors.BadSignature);
            BankPayment? payment;
            try
            {
                payment = JsonSerializer.Deserialize(body, BankJson.Default.BankPayment);
            }
            catch (JsonException)
            {
                payment = null;
            }
            if (payment is null) return Fail(Errors.BadRequest);
            return await bank.HandleCallbackAsync(payment, http.RequestAborted) is { } error ? Fail(error) : Results.NoContent();
        });
    }

    /// <summary>200 once settled (succeeded or failed), 202 while the bank's outcome is unknown.</summary>
    private static IResult Answer(HttpContext http, Penguin.Core.Common.Result<WalletBankPayment> result)
    {
        if (!result.IsOk) return Fail(result.Error);
        http.Response.Headers.Location = $"/api/v1/wallet/bank-payments/{result.Value.Id}";
        return Results.Json(result.Value, Json.WalletBankPayment, statusCode: result.Value.Status == "pending" ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }

    private static string? Key(HttpContext http) => http.Request.Headers[WalletEndpoints.IdempotencyHeader] is { Count: 1 } key ? key.ToString() : null;
}
