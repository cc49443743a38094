namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// The bank as the wallet calls it. A payment the bank answered is returned; one it does not know is null (on a
/// query); no answer in time, a refused connection or a 5xx throws <see cref="BankUnavailableException"/>: the
/// outcome is then unknown and the payment stays pending until a callback or a query settles it.
/// </summary>
public interface IBankGateway
{
    bool IsConfigured { get; }

    ValueTask<BankPayment> ChargeAsync(BankPaymentRequest request, CancellationToken cancellationToken = default);

    ValueTask<BankPayment> PayoutAsync(BankPaymentRequest request, CancellationToken cancellationToken = default);

    ValueTask<BankPayment?> GetAsync(string merchantRequestId, CancellationToken cancellationToken = default);

    ValueTask<BankPaymentList> ListAsync(long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>True when a callback's signature and timestamp are right.</summary>
    bool VerifyCallback(string? timestamp, string? signature, string method, string path, ReadOnlySpan<byte> body);
}
