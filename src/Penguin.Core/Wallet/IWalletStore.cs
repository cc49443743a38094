using Penguin.Core.Common;
using Penguin.Core.Outbox;

namespace Penguin.Core.Wallet;

/// <summary>
/// The ledger on one storage engine. Every method that moves money writes one balanced journal transaction and the
/// balances it changes in one database transaction; a balance never goes below zero (a CHECK and a guarded update),
/// except the accounts <see cref="LedgerAccounts.MayGoNegative"/>. Journal rows are never updated or deleted.
/// Expected failures: <c>insufficient_funds</c>, <c>daily_limit_exceeded</c>, <c>idempotency_conflict</c>,
/// <c>amount_too_large</c>, <c>transfer_closed</c>, <c>not_found</c>.
/// </summary>
public interface IWalletStore
{
    /// <summary>Posts a balanced transaction (or replays the one made with the same key and request).</summary>
    ValueTask<Result<LedgerEntry>> PostAsync(LedgerCommand command, CancellationToken cancellationToken = default);

    /// <summary>Holds a transfer: records it and posts its command (sender → escrow) together, with the events <paramref name="events"/> builds (none on a replay).</summary>
    ValueTask<Result<TransferOutcome>> CreateTransferAsync(TransferRecord transfer, LedgerCommand command, EventsFor<TransferRecord>? events = null, CancellationToken cancellationToken = default);

    /// <summary>Ends a pending transfer as <paramref name="status"/> and posts its command (escrow → receiver or sender) together.</summary>
    ValueTask<Result<TransferOutcome>> SettleTransferAsync(string transferId, TransferStatus status, LedgerCommand command, EventsFor<TransferRecord>? events = null, CancellationToken cancellationToken = default);

    ValueTask<TransferRecord?> GetTransferAsync(string transferId, CancellationToken cancellationToken = default);

    /// <summary>Pending transfers whose time ran out at <paramref name="now"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<TransferRecord>> ExpiredTransfersAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>A user's pending transfers, sent or received, newest first.</summary>
    ValueTask<IReadOnlyList<TransferRecord>> PendingTransfersAsync(long userId, CancellationToken cancellationToken = default);

    ValueTask<long> BalanceAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>The sum leaving <paramref name="accountId"/> since <paramref name="since"/> in transactions of the given kinds.</summary>
    ValueTask<long> OutgoingSinceAsync(string accountId, DateTimeOffset since, IReadOnlyList<string> kinds, CancellationToken cancellationToken = default);

    /// <summary>The movements on a user's accounts, newest first, before posting <paramref name="before"/> when given.</summary>
    ValueTask<IReadOnlyList<HistoryItem>> HistoryAsync(long userId, long? before, int limit, CancellationToken cancellationToken = default);

    /// <summary>The transaction made with an idempotency key, if any.</summary>
    ValueTask<LedgerEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Proves the journal: every transaction balances, every balance equals its postings.</summary>
    ValueTask<LedgerAudit> AuditAsync(CancellationToken cancellationToken = default);

    ValueTask<PayPasswordRecord?> GetPayPasswordAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Sets the hash and clears failures and lockout.</summary>
    ValueTask SetPayPasswordAsync(long userId, string hash, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts one wrong attempt in a single statement, so simultaneous wrong attempts each count; the
    /// <paramref name="maxFailures"/>th in a row locks the wallet until <paramref name="lockUntil"/> and starts the count
    /// again. Returns the record after it (null when no payment password is set).
    /// </summary>
    ValueTask<PayPasswordRecord?> CountPayPasswordFailureAsync(long userId, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken = default);

    /// <summary>Records the failure count and lockout after an attempt (zero and null after a success).</summary>
    ValueTask RecordPayPasswordAttemptAsync(long userId, int failures, DateTimeOffset? lockedUntil, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a red packet: records it with its <paramref name="shares"/> (drawn by the caller, summing to its amount)
    /// and posts its command (sender → red-packet escrow) together, with the events <paramref name="events"/> builds
    /// (none on a replay, which answers the packet the first command made).
    /// </summary>
    ValueTask<Result<RedPacketOutcome>> CreateRedPacketAsync(RedPacketRecord packet, IReadOnlyList<long> shares, LedgerCommand command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <paramref name="userId"/> takes the next unclaimed share, atomically: of N racing claimers exactly as many as
    /// there are shares succeed. A second claim by the same user replays the first. <paramref name="command"/> builds the
    /// ledger command (escrow → claimer) for the share. Fails with <c>not_found</c>, <c>red_packet_empty</c> or
    /// <c>red_packet_expired</c> (also once <see cref="RedPacketRecord.ExpiresAt"/> is past at <paramref name="at"/>).
    /// </summary>
    ValueTask<Result<RedPacketOutcome>> ClaimRedPacketAsync(string packetId, long userId, DateTimeOffset at, Func<RedPacketRecord, long, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default);

    /// <summary>Refunds what is left of an open red packet to its sender with <paramref name="command"/> (built from the packet), marking it refunded.</summary>
    ValueTask<Result<RedPacketOutcome>> RefundRedPacketAsync(string packetId, Func<RedPacketRecord, LedgerCommand> command,
        EventsFor<RedPacketOutcome>? events = null, CancellationToken cancellationToken = default);

    ValueTask<RedPacketRecord?> GetRedPacketAsync(string packetId, CancellationToken cancellationToken = default);

    /// <summary>Who claimed what, in the order they claimed.</summary>
    ValueTask<IReadOnlyList<RedPacketClaimRecord>> RedPacketClaimsAsync(string packetId, CancellationToken cancellationToken = default);

    /// <summary>Open red packets whose time ran out at <paramref name="now"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<RedPacketRecord>> ExpiredRedPacketsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}
