using Penguin.Core.Accounts;
using Penguin.Core.Common;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Core.Wallet;

/// <summary>
/// The wallet (财付通): balances, history, the payment password, transfers to friends and Q-coins. Check (amounts,
/// the payment password, friendship, who may touch a transfer), do (one ledger command), publish (transfer events
/// to both parties after the commit). A user's idempotency keys are their own: prefixed with the user id.
/// </summary>
public sealed class WalletService(IWalletStore store, ISocialStore social, AccountService accounts, AccountOptions accountOptions, WalletOptions options,
    EventPublisher publisher, TimeProvider time)
{
    /// <summary>What counts against the daily limit.</summary>
    public static readonly IReadOnlyList<string> LimitedKinds = ["transfer", "red_packet", "buy_qcoins", "withdraw"];

    public const int MaxHistoryPage = 100;

    private readonly PasswordHasher _hasher = new(accountOptions.PasswordIterations);

    public async ValueTask<WalletBalance> GetBalanceAsync(long userId, CancellationToken cancellationToken = default) =>
        new(await store.BalanceAsync(LedgerAccounts.UserCny(userId), cancellationToken),
            await store.BalanceAsync(LedgerAccounts.UserQCoins(userId), cancellationToken),
            options.FenPerQCoin,
            options.DailyLimit,
            await store.OutgoingSinceAsync(LedgerAccounts.UserCny(userId), StartOfDay(), LimitedKinds, cancellationToken),
            await store.GetPayPasswordAsync(userId, cancellationToken) is not null);

    public async ValueTask<Result<WalletHistoryPage>> HistoryAsync(long userId, long? before, int? limit, CancellationToken cancellationToken = default)
    {
        var size = limit ?? 20;
        if (size is < 1 or > MaxHistoryPage || before is <= 0)
            return Errors.BadRequest.With($"limit must be 1 to {MaxHistoryPage} and before a movement id.", $"limit 须为 1 到 {MaxHistoryPage}，before 须为流水编号。");
        var items = await store.HistoryAsync(userId, before, size, cancellationToken);
        var page = items.Select(h => new WalletMovement(h.PostingId, h.TransactionId, h.Kind, LedgerAccounts.CurrencyOf(h.AccountId), h.Amount, h.BalanceAfter, h.At, h.Reference)).ToArray();
        return new WalletHistoryPage(page, page.Length == size ? page[^1].Id : null);
    }

    public async ValueTask<Error?> SetPayPasswordAsync(long userId, SetPayPasswordRequest request, string address, CancellationToken cancellationToken = default)
    {
        if (!IsSixDigits(request.PayPassword)) return WalletErrors.InvalidPayPassword;
        var existing = await store.GetPayPasswordAsync(userId, cancellationToken);
        if (existing is null)
        {
            // The first one proves the person with the login password, so a stolen session alone cannot set it.
            if (await accounts.CheckPasswordAsync(userId, request.LoginPassword, address, cancellationToken) is { } wrong) return wrong;
        }
        else if (await CheckPayPasswordAsync(userId, request.CurrentPayPassword, cancellationToken) is { } refused)
        {
            return refused;
        }
        await store.SetPayPasswordAsync(userId, _hasher.Hash(request.PayPassword), time.GetUtcNow(), cancellationToken);
        return null;
    }

    /// <summary>Null when right. Wrong ones count; <see cref="WalletOptions.PayPasswordMaxFailures"/> in a row lock the wallet for a while.</summary>
    public async ValueTask<Error?> CheckPayPasswordAsync(long userId, string? password, CancellationToken cancellationToken = default)
    {
        var record = await store.GetPayPasswordAsync(userId, cancellationToken);
        if (record is null) return WalletErrors.PayPasswordNotSet;
        var now = time.GetUtcNow();
        if (record.LockedUntil > now) return Locked(record.LockedUntil.Value);
        if (password is not null && IsSixDigits(password) && _hasher.Verify(password, record.Hash))
        {
            if (record.Failures > 0 || record.LockedUntil is not null) await store.RecordPayPasswordAttemptAsync(userId, 0, null, cancellationToken);
            return null;
        }
        // Counted in one statement: simultaneous wrong attempts each count, none is lost to a read-then-write race.
        var counted = await store.CountPayPasswordFailureAsync(userId, options.PayPasswordMaxFailures, now + options.PayPasswordLockout, cancellationToken);
        if (counted is null) return WalletErrors.PayPasswordNotSet;
        if (counted.LockedUntil > now) return Locked(counted.LockedUntil.Value);
        var failures = counted.Failures;
        var left = options.PayPasswordMaxFailures - failures;
        return WalletErrors.WrongPayPassword.With($"The payment password is wrong; {left} attempts left before the wallet locks.", $"支付密码错误，再错 {left} 次钱包将被锁定。");
    }

    public async ValueTask<Result<WalletTransfer>> TransferAsync(long userId, string? idempotencyKey, CreateTransferRequest request, CancellationToken cancellationToken = default)
    {
        if (CheckKey(idempotencyKey) is { } badKey) return badKey;
        if (CheckAmount(request.Amount) is { } badAmount) return badAmount;
        var memo = string.IsNullOrEmpty(request.Memo) ? null : request.Memo;
        if (memo is not null && (memo.EnumerateRunes().Count() > 50 || memo.Any(char.IsControl))) return WalletErrors.InvalidMemo;
        if (request.To == userId) return Errors.BadRequest.With("You cannot transfer to yourself.", "不能转账给自己。");
        if (!(await social.GetFriendIdsAsync(userId, cancellationToken)).Contains(request.To)) return Errors.NotFriends;
        if (await CheckPayPasswordAsync(userId, request.PayPassword, cancellationToken) is { } refused) return refused;

        var now = time.GetUtcNow();
        var transfer = new TransferRecord(Guid.NewGuid().ToString("N"), userId, request.To, request.Amount, memo, TransferStatus.Pending, now, now + options.TransferHold);
        var command = new LedgerCommand(UserKey(userId, idempotencyKey!), $"transfer|{request.To}|{request.Amount}|{memo}", "transfer", userId, transfer.Id,
            [new(LedgerAccounts.UserCny(userId), -request.Amount), new(LedgerAccounts.Escrow, request.Amount)], now, Limit(userId));
        var outcome = await store.CreateTransferAsync(transfer, command, TransferEvents, cancellationToken);
        if (!outcome.IsOk) return outcome.Error;
        await publisher.PublishAsync(outcome.Value.Events);
        return ToWire(outcome.Value.Transfer);
    }

    /// <summary>The receiver takes the money (收款). Anyone else: not_found, so a transfer's existence is not revealed.</summary>
    public ValueTask<Result<WalletTransfer>> AcceptAsync(long userId, string transferId, CancellationToken cancellationToken = default) =>
        SettleAsync(userId, transferId, TransferStatus.Accepted, cancellationToken);

    /// <summary>The receiver sends the money back (退还) before the hold ends.</summary>
    public ValueTask<Result<WalletTransfer>> RefuseAsync(long userId, string transferId, CancellationToken cancellationToken = default) =>
        SettleAsync(userId, transferId, TransferStatus.Returned, cancellationToken);

    private async ValueTask<Result<WalletTransfer>> SettleAsync(long userId, string transferId, TransferStatus status, CancellationToken cancellationToken)
    {
        var transfer = await store.GetTransferAsync(transferId, cancellationToken);
        if (transfer is null || transfer.ToId != userId) return Errors.NotFound;
        return await SettleAsync(transfer, status, cancellationToken);
    }

    private async ValueTask<Result<WalletTransfer>> SettleAsync(TransferRecord transfer, TransferStatus status, CancellationToken cancellationToken)
    {
        var to = status == TransferStatus.Accepted ? transfer.ToId : transfer.FromId;
        // One key per transfer: accepting twice replays, and an accept racing the return finds it closed.
        var command = new LedgerCommand($"settle:{transfer.Id}", $"settle|{LedgerRules.StatusName(status)}",
            status == TransferStatus.Accepted ? "transfer_accept" : "transfer_return", to, transfer.Id,
            [new(LedgerAccounts.Escrow, -transfer.Amount), new(LedgerAccounts.UserCny(to), transfer.Amount)], time.GetUtcNow());
        var outcome = await store.SettleTransferAsync(transfer.Id, status, command, TransferEvents, cancellationToken);
        if (!outcome.IsOk) return outcome.Error;
        await publisher.PublishAsync(outcome.Value.Events);
        return ToWire(outcome.Value.Transfer);
    }

    public async ValueTask<Result<WalletTransfer>> GetTransferAsync(long userId, string transferId, CancellationToken cancellationToken = default)
    {
        var transfer = await store.GetTransferAsync(transferId, cancellationToken);
        return transfer is not null && (transfer.FromId == userId || transfer.ToId == userId) ? ToWire(transfer) : Errors.NotFound;
    }

    public async ValueTask<WalletTransferList> PendingTransfersAsync(long userId, CancellationToken cancellationToken = default) =>
        new([.. (await store.PendingTransfersAsync(userId, cancellationToken)).Select(ToWire)]);

    public async ValueTask<Result<WalletReceipt>> BuyQCoinsAsync(long userId, string? idempotencyKey, BuyQCoinsRequest request, CancellationToken cancellationToken = default)
    {
        if (CheckKey(idempotencyKey) is { } badKey) return badKey;
        if (request.QCoins <= 0 || request.QCoins > options.MaxAmount / options.FenPerQCoin)
            return WalletErrors.InvalidAmount.With($"Buy 1 to {options.MaxAmount / options.FenPerQCoin} Q-coins at a time.", $"每次可购买 1 到 {options.MaxAmount / options.FenPerQCoin} 个 Q 币。");
        if (await CheckPayPasswordAsync(userId, request.PayPassword, cancellationToken) is { } refused) return refused;
        var fen = request.QCoins * options.FenPerQCoin;
        var command = new LedgerCommand(UserKey(userId, idempotencyKey!), $"buy_qcoins|{request.QCoins}|{options.FenPerQCoin}", "buy_qcoins", userId, null,
            [new(LedgerAccounts.UserCny(userId), -fen), new(LedgerAccounts.Revenue, fen), new(LedgerAccounts.QCoinIssuance, -request.QCoins), new(LedgerAccounts.UserQCoins(userId), request.QCoins)],
            time.GetUtcNow(), Limit(userId));
        var entry = await store.PostAsync(command, cancellationToken);
        if (!entry.IsOk) return entry.Error;
        return new WalletReceipt(entry.Value.TransactionId, entry.Value.Kind, entry.Value.Replayed, await GetBalanceAsync(userId, cancellationToken));
    }

    /// <summary>
    /// Money received for a user outside the wallet's own flows (an operator recording a counter deposit, tests):
    /// bank clearing → the user's CNY, under <paramref name="key"/> so a repeated command credits once.
    /// </summary>
    public async ValueTask<Result<LedgerEntry>> DepositAsync(long userId, long fen, string key, CancellationToken cancellationToken = default)
    {
        if (fen <= 0 || fen > LedgerRules.MaxBalance) return WalletErrors.InvalidAmount;
        return await store.PostAsync(new LedgerCommand($"deposit:{key}", $"deposit|{userId}|{fen}", "deposit", null, null,
            [new(LedgerAccounts.BankClearing, -fen), new(LedgerAccounts.UserCny(userId), fen)], time.GetUtcNow()), cancellationToken);
    }

    /// <summary>Returns every transfer whose hold ran out; the number returned.</summary>
    public async ValueTask<int> ReturnExpiredAsync(CancellationToken cancellationToken = default)
    {
        var returned = 0;
        while (true)
        {
            var expired = await store.ExpiredTransfersAsync(time.GetUtcNow(), 100, cancellationToken);
            foreach (var transfer in expired)
                if ((await SettleAsync(transfer, TransferStatus.Returned, cancellationToken)).IsOk) returned++;
            if (expired.Count < 100) return returned;
        }
    }

    public ValueTask<LedgerAudit> AuditAsync(CancellationToken cancellationToken = default) => store.AuditAsync(cancellationToken);

    public static WalletTransfer ToWire(TransferRecord t) =>
        new(t.Id, t.FromId, t.ToId, t.Amount, LedgerRules.StatusName(t.Status), t.CreatedAt, t.ExpiresAt, t.SettledAt, t.Memo);

    private static IEnumerable<EventDraft> TransferEvents(TransferRecord t) =>
        [new(t.FromId, new WalletTransferUpdated(ToWire(t))), new(t.ToId, new WalletTransferUpdated(ToWire(t)))];

    internal DailyLimit Limit(long userId) => new(LedgerAccounts.UserCny(userId), options.DailyLimit, StartOfDay(), LimitedKinds);

    public DateTimeOffset StartOfDay()
    {
        var local = time.GetUtcNow().ToOffset(options.DayOffset);
        return new DateTimeOffset(local.Date, options.DayOffset);
    }

    private Error? CheckAmount(long amount) =>
        amount <= 0 || amount > options.MaxAmount
            ? WalletErrors.InvalidAmount.With($"The amount must be 1 to {options.MaxAmount} fen.", $"金额须为 1 到 {options.MaxAmount} 分。")
            : null;

    public static Error? CheckKey(string? key) =>
        key is { Length: >= 1 and <= 64 } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? null : WalletErrors.IdempotencyKeyRequired;

    internal static string UserKey(long userId, string key) => $"u{userId}:{key}";

    private static bool IsSixDigits(string? s) => s is { Length: 6 } && s.All(char.IsAsciiDigit);

    private static Error Locked(DateTimeOffset until) =>
        WalletErrors.PayPasswordLocked.With($"Too many wrong payment passwords; the wallet is locked until {until:u}.", $"支付密码错误次数过多，钱包已锁定至 {until:u}。");
}
