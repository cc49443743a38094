using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Protocol;

namespace Penguin.Core.Wallet.Bank;

/// <summary>
/// Top-up (充值) and withdrawal (提现) through the bank gateway. A payment is recorded pending before the bank is
/// called, under the caller's idempotency key, and settled exactly once by whichever comes first: the bank's answer,
/// its signed callback, or a query (the poller, the reconciliation). A top-up credits only when the bank confirms;
/// a withdrawal's money leaves the balance into withdrawals-in-flight before the bank is called and goes on to the
/// bank when paid out, or back to the user when declined — the payment's status change and its journal transaction
/// commit together, so duplicates and races move nothing twice. An unknown outcome (timeout) stays pending. A
/// settlement's wallet.payment event is stored with it and sent to the owner's devices after the commit.
/// </summary>
public sealed class WalletBankService(IWalletBankStore store, IBankGateway bank, WalletService wallet, WalletOptions options, BankOptions bankOptions,
    EventPublisher publisher, TimeProvider time)
{
    public const int MaxListed = 50;

    public async ValueTask<Result<WalletBankPayment>> TopUpAsync(long userId, string? idempotencyKey, TopUpRequest request, CancellationToken cancellationToken = default)
    {
        if (Check(idempotencyKey, request.Amount, request.Card) is { } bad) return bad;
        var created = await store.CreateTopUpAsync(NewPayment(userId, idempotencyKey!, BankPaymentKind.TopUp, request.Amount, request.Card), cancellationToken);
        if (!created.IsOk) return created.Error;
        return ToWire(await SubmitAsync(created.Value, request.Card, cancellationToken));
    }

    public async ValueTask<Result<WalletBankPayment>> WithdrawAsync(long userId, string? idempotencyKey, WithdrawRequest request, CancellationToken cancellationToken = default)
    {
        if (Check(idempotencyKey, request.Amount, request.Card) is { } bad) return bad;
        if (await wallet.CheckPayPasswordAsync(userId, request.PayPassword, cancellationToken) is { } refused) return refused;
        var payment = NewPayment(userId, idempotencyKey!, BankPaymentKind.Withdrawal, request.Amount, request.Card);
        var hold = new LedgerCommand(BankLedger.HoldKey(payment.Id), $"withdraw|{payment.Id}|{request.Amount}", BankLedger.WithdrawKind, userId, payment.Id,
            [new(LedgerAccounts.UserCny(userId), -request.Amount), new(BankLedger.WithdrawalsInFlight, request.Amount)], payment.CreatedAt,
            new DailyLimit(LedgerAccounts.UserCny(userId), options.DailyLimit, wallet.StartOfDay(), WalletService.LimitedKinds));
        var created = await store.CreateWithdrawalAsync(payment, hold, cancellationToken);
        if (!created.IsOk) return created.Error;
        return ToWire(await SubmitAsync(created.Value, request.Card, cancellationToken));
    }

    /// <summary>The caller's own payment; anyone else's is not_found, so its existence is not revealed.</summary>
    public async ValueTask<Result<WalletBankPayment>> GetAsync(long userId, string id, CancellationToken cancellationToken = default) =>
        await store.GetBankPaymentAsync(id, cancellationToken) is { } p && p.UserId == userId ? ToWire(p) : Errors.NotFound;

    public async ValueTask<WalletBankPaymentList> ListAsync(long userId, CancellationToken cancellationToken = default) =>
        new([.. (await store.UserBankPaymentsAsync(userId, MaxListed, cancellationToken)).Select(ToWire)]);

    /// <summary>A callback whose signature was verified: settles the payment it names. Null when done (or already done); not_found or a conflict otherwise.</summary>
    public async ValueTask<Error?> HandleCallbackAsync(BankPayment payment, CancellationToken cancellationToken = default)
    {
        if (await store.GetBankPaymentAsync(payment.MerchantRequestId, cancellationToken) is not { } record) return Errors.NotFound;
        var settled = await SettleAsync(record, payment, cancellationToken);
        return settled.IsOk ? null : settled.Error;
    }

    /// <summary>
    /// Looks up pending payments at the bank and settles those it answered; one it does not know after
    /// <see cref="BankOptions.AbandonAfter"/> never reached it and fails. <paramref name="all"/>: every pending one,
    /// however young (the reconciliation). Stops at the first call the bank does not answer.
    /// </summary>
    public async ValueTask<(int Settled, int StillPending)> ResolvePendingAsync(bool all = false, CancellationToken cancellationToken = default)
    {
        if (!bank.IsConfigured) return (0, 0);
        var now = time.GetUtcNow();
        var pending = await store.PendingBankPaymentsAsync(all ? now.AddTicks(1) : now - bankOptions.PollAfter, 1000, cancellationToken);
        var settled = 0;
        foreach (var record in pending)
        {
            BankPayment? answer;
            try
            {
                answer = await bank.GetAsync(record.Id, cancellationToken);
            }
            catch (BankUnavailableException)
            {
                break;
            }
            if (answer is not null)
            {
                if ((await SettleAsync(record, answer, cancellationToken)).IsOk) settled++;
            }
            else if (record.CreatedAt < now - bankOptions.AbandonAfter)
            {
                if ((await FailAsync(record, null, "The bank never received the payment. / 银行未收到该笔支付。", cancellationToken)).IsOk) settled++;
            }
        }
        return (settled, pending.Count - settled);
    }

    /// <summary>
    /// Resolves what is pending, then compares the ledger with every payment the bank recorded: each succeeded bank
    /// payment matches exactly one journal transaction across bank clearing (and a succeeded payment here) and each
    /// such transaction matches one succeeded bank payment; withdrawals in flight hold exactly the pending ones.
    /// </summary>
    public async ValueTask<BankReconciliation> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        var (resolved, _) = await ResolvePendingAsync(all: true, cancellationToken);
        var bankPayments = new List<BankPayment>();
        for (long after = 0; ;)
        {
            var page = await bank.ListAsync(after, 500, cancellationToken);
            bankPayments.AddRange(page.Payments);
            if (page.Next is not { } next) break;
            after = next;
        }
        var (payments, lines, inFlight) = await store.BankSnapshotAsync(cancellationToken);
        var problems = new List<string>();
        var local = payments.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var moves = lines.Where(l => l.Kind is BankLedger.TopUpKind or BankLedger.WithdrawPaidKind && l.Reference is not null)
            .GroupBy(l => l.Reference!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var matched = 0;
        var atBank = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in bankPayments)
        {
            atBank.Add(b.MerchantRequestId);
            var expectedKind = b.Kind == "charge" ? BankPaymentKind.TopUp : BankPaymentKind.Withdrawal;
            local.TryGetValue(b.MerchantRequestId, out var mine);
            var lineList = moves.GetValueOrDefault(b.MerchantRequestId) ?? [];
            if (b.Status != "succeeded")
            {
                if (mine is { Status: BankPaymentStatus.Succeeded }) problems.Add($"{b.MerchantRequestId}: declined at the bank but succeeded here");
                if (lineList.Count > 0) problems.Add($"{b.MerchantRequestId}: declined at the bank but moved money in the ledger");
                continue;
            }
            var expectedClearing = expectedKind == BankPaymentKind.TopUp ? -b.Amount : b.Amount;
            if (mine is null) problems.Add($"{b.MerchantRequestId}: {b.Kind} of {b.Amount} at the bank, unknown here");
            else if (mine.Kind != expectedKind || mine.Amount != b.Amount) problems.Add($"{b.MerchantRequestId}: {b.Kind} of {b.Amount} at the bank, {BankLedger.KindName(mine.Kind)} of {mine.Amount} here");
            else if (mine.Status != BankPaymentStatus.Succeeded) problems.Add($"{b.MerchantRequestId}: succeeded at the bank, {BankLedger.StatusName(mine.Status)} here");
            if (lineList.Count != 1 || lineList[0].ClearingAmount != expectedClearing)
                problems.Add($"{b.MerchantRequestId}: succeeded at the bank for {b.Amount}, {lineList.Count} ledger transactions ({string.Join(", ", lineList.Select(l => l.ClearingAmount))})");
            else if (mine is { Status: BankPaymentStatus.Succeeded }) matched++;
        }
        foreach (var (reference, list) in moves)
            if (!atBank.Contains(reference)) problems.Add($"{reference}: {list.Count} ledger transactions, no payment at the bank");
        foreach (var p in payments.Where(p => p.Status == BankPaymentStatus.Succeeded && !atBank.Contains(p.Id)))
            problems.Add($"{p.Id}: succeeded here, no payment at the bank");
        var pending = payments.Where(p => p.Status == BankPaymentStatus.Pending).ToList();
        var pendingWithdrawn = pending.Where(p => p.Kind == BankPaymentKind.Withdrawal).Sum(p => p.Amount);
        if (pendingWithdrawn != inFlight) problems.Add($"{BankLedger.WithdrawalsInFlight} holds {inFlight}, pending withdrawals are {pendingWithdrawn}");
        return new BankReconciliation(bankPayments.Count, matched, resolved, problems,
            [.. pending.Select(p => $"{p.Id}: {BankLedger.KindName(p.Kind)} of {p.Amount}, created {p.CreatedAt:u}")]);
    }

    /// <summary>Calls the bank for a pending payment (again, on a retry: the bank is idempotent on the id) and settles it by the answer.</summary>
    private async ValueTask<BankPaymentRecord> SubmitAsync(BankPaymentRecord record, string card, CancellationToken cancellationToken)
    {
        if (record.Status != BankPaymentStatus.Pending) return record;
        var request = new BankPaymentRequest(record.Id, record.Amount, "CNY", card);
        BankPayment answer;
        try
        {
            // Not the caller's token: once asked, the bank's answer is settled even if the caller has gone.
            answer = record.Kind == BankPaymentKind.TopUp ? await bank.ChargeAsync(request, CancellationToken.None) : await bank.PayoutAsync(request, CancellationToken.None);
        }
        catch (BankUnavailableException)
        {
            return record; // unknown: a callback or a query settles it
        }
        var settled = await SettleAsync(record, answer, CancellationToken.None);
        return settled.IsOk ? settled.Value : record;
    }

    private async ValueTask<Result<BankPaymentRecord>> SettleAsync(BankPaymentRecord record, BankPayment answer, CancellationToken cancellationToken)
    {
        var expectedKind = record.Kind == BankPaymentKind.TopUp ? "charge" : "payout";
        if (answer.MerchantRequestId != record.Id || answer.Kind != expectedKind || answer.Amount != record.Amount)
            return Errors.BadRequest.With($"The bank's payment {answer.Id} does not match {record.Id}.", $"银行支付 {answer.Id} 与 {record.Id} 不符。");
        if (answer.Status != "succeeded") return await FailAsync(record, answer.Id, answer.DeclineReason ?? "declined", cancellationToken);
        var command = record.Kind == BankPaymentKind.TopUp
            ? Settlement(record, BankLedger.TopUpKind, LedgerAccounts.BankClearing, LedgerAccounts.UserCny(record.UserId))
            : Settlement(record, BankLedger.WithdrawPaidKind, BankLedger.WithdrawalsInFlight, LedgerAccounts.BankClearing);
        return await CommitAsync(record, BankPaymentStatus.Succeeded, answer.Id, null, command, cancellationToken);
    }

    private ValueTask<Result<BankPaymentRecord>> FailAsync(BankPaymentRecord record, string? bankPaymentId, string failure, CancellationToken cancellationToken)
    {
        var command = record.Kind == BankPaymentKind.Withdrawal
            ? Settlement(record, BankLedger.WithdrawReturnKind, BankLedger.WithdrawalsInFlight, LedgerAccounts.UserCny(record.UserId))
            : null;
        return CommitAsync(record, BankPaymentStatus.Failed, bankPaymentId, failure, command, cancellationToken);
    }

    /// <summary>Settles the payment with its ledger command and its event, then tells the owner's devices (only the settlement that changed it has events).</summary>
    private async ValueTask<Result<BankPaymentRecord>> CommitAsync(BankPaymentRecord record, BankPaymentStatus status, string? bankPaymentId, string? failure,
        LedgerCommand? command, CancellationToken cancellationToken)
    {
        var settled = await store.SettleBankPaymentAsync(record.Id, status, bankPaymentId, failure, command, time.GetUtcNow(),
            p => [new EventDraft(p.UserId, new WalletPaymentUpdated(ToWire(p)))], cancellationToken);
        if (!settled.IsOk) return settled.Error;
        await publisher.PublishAsync(settled.Value.Events);
        return settled.Value.Value;
    }

    /// <summary>One key per payment for its settlement, whichever way it goes: it can post only once.</summary>
    private LedgerCommand Settlement(BankPaymentRecord record, string kind, string from, string to) =>
        new(BankLedger.SettleKey(record.Id), $"{kind}|{record.Id}|{record.Amount}", kind, record.UserId, record.Id,
            [new(from, -record.Amount), new(to, record.Amount)], time.GetUtcNow());

    private BankPaymentRecord NewPayment(long userId, string key, BankPaymentKind kind, long amount, string card) =>
        new($"bp{Guid.NewGuid():N}", userId, kind, amount, card[^4..], BankPaymentStatus.Pending, $"u{userId}:{key}",
            LedgerRules.Hash($"{BankLedger.KindName(kind)}|{amount}|{card}"), time.GetUtcNow());

    private Error? Check(string? key, long amount, string? card)
    {
        if (!bank.IsConfigured) return WalletBankErrors.BankUnavailable.With("No bank gateway is configured on this server.", "本服务器未配置银行网关。");
        if (key is not { Length: >= 1 and <= 64 } || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return WalletErrors.IdempotencyKeyRequired;
        if (amount <= 0 || amount > options.MaxAmount)
            return WalletErrors.InvalidAmount.With($"The amount must be 1 to {options.MaxAmount} fen.", $"金额须为 1 到 {options.MaxAmount} 分。");
        if (card is not { Length: >= 12 and <= 19 } || !card.All(char.IsAsciiDigit)) return WalletBankErrors.InvalidCard;
        return null;
    }

    public static WalletBankPayment ToWire(BankPaymentRecord p) =>
        new(p.Id, BankLedger.KindName(p.Kind), p.Amount, p.CardLast4, BankLedger.StatusName(p.Status), p.CreatedAt, p.Failure, p.SettledAt);
}
