using Penguin.Core.Wallet;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Wallet;

/// <summary>/api/v1/wallet: balance, history, payment password, transfers, Q-coins. docs/protocol.md, "13. Wallet".</summary>
public static class WalletEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapWalletApi(this IEndpointRouteBuilder app, WalletOptions options)
    {
        var api = app.MapGroup("/api/v1/wallet").RequireSession();

        api.MapGet("", async (Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            Ok(await wallet.GetBalanceAsync(caller.UserId, cancellationToken), Json.WalletBalance));

        api.MapGet("/history", async (long? before, int? limit, Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            From(await wallet.HistoryAsync(caller.UserId, before, limit, cancellationToken), Json.WalletHistoryPage));

        api.MapPut("/pay-password", async (SetPayPasswordRequest body, HttpContext http, Caller caller, WalletService wallet) =>
            await wallet.SetPayPasswordAsync(caller.UserId, body, Address(http), http.RequestAborted) is { } error ? Fail(error) : Results.NoContent());

        api.MapGet("/transfers", async (Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            Ok(await wallet.PendingTransfersAsync(caller.UserId, cancellationToken), Json.WalletTransferList));

        api.MapPost("/transfers", async (CreateTransferRequest body, HttpContext http, Caller caller, WalletService wallet) =>
        {
            var result = await wallet.TransferAsync(caller.UserId, Key(http), body, http.RequestAborted);
            if (!result.IsOk) return Fail(result.Error);
            http.Response.Headers.Location = $"/api/v1/wallet/transfers/{result.Value.Id}";
            return Results.Json(result.Value, Json.WalletTransfer, statusCode: StatusCodes.Status201Created);
        });

        api.MapGet("/transfers/{id}", async (string id, Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            From(await wallet.GetTransferAsync(caller.UserId, id, cancellationToken), Json.WalletTransfer));

        api.MapPost("/transfers/{id}/accept", async (string id, Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            From(await wallet.AcceptAsync(caller.UserId, id, cancellationToken), Json.WalletTransfer));

        api.MapPost("/transfers/{id}/return", async (string id, Caller caller, WalletService wallet, CancellationToken cancellationToken) =>
            From(await wallet.RefuseAsync(caller.UserId, id, cancellationToken), Json.WalletTransfer));

        api.MapPost("/qcoins", async (BuyQCoinsRequest body, HttpContext http, Caller caller, WalletService wallet) =>
            From(await wallet.BuyQCoinsAsync(caller.UserId, Key(http), body, http.RequestAborted), Json.WalletReceipt));

        api.MapPost("/redpackets", async (CreateRedPacketRequest body, HttpContext http, Caller caller, RedPacketService packets) =>
        {
            var result = await packets.SendAsync(caller.UserId, Key(http), body, http.RequestAborted);
            if (!result.IsOk) return Fail(result.Error);
            http.Response.Headers.Location = $"/api/v1/wallet/redpackets/{result.Value.Id}";
            return Results.Json(result.Value, Json.RedPacket, statusCode: StatusCodes.Status201Created);
        });

        api.MapGet("/redpackets/{id}", async (string id, Caller caller, RedPacketService packets, CancellationToken cancellationToken) =>
            From(await packets.DetailsAsync(caller.UserId, id, cancellationToken), Json.RedPacketDetails));

        api.MapPost("/redpackets/{id}/claim", async (string id, Caller caller, RedPacketService packets, CancellationToken cancellationToken) =>
            From(await packets.ClaimAsync(caller.UserId, id, cancellationToken), Json.RedPacketClaimResult));

        // Test and benchmark servers only (Penguin:Wallet:TestDeposits): money without the bank gateway.
        if (options.TestDeposits)
            api.MapPost("/test-deposit", async (TestDepositRequest body, HttpContext http, Caller caller, WalletService wallet) =>
            {
                if (WalletService.CheckKey(Key(http)) is { } badKey) return Fail(badKey);
                var deposited = await wallet.DepositAsync(caller.UserId, body.Amount, $"test:{caller.UserId}:{Key(http)}", http.RequestAborted);
                return deposited.IsOk ? Ok(await wallet.GetBalanceAsync(caller.UserId, http.RequestAborted), Json.WalletBalance) : Fail(deposited.Error);
            });
    }

    private static string? Key(HttpContext http) => http.Request.Headers[IdempotencyHeader] is { Count: 1 } key ? key.ToString() : null;

    private static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
