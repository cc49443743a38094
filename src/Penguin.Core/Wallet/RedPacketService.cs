using Penguin.Core.Common;
using Penguin.Core.Groups;
using Penguin.Core.Outbox;
using Penguin.Core.Social;
using Penguin.Protocol;

namespace Penguin.Core.Wallet;

/// <summary>
/// Red packets (红包) in a 1:1 chat or a group. Check (amounts, count, greeting, the payment password, friendship or
/// membership), do (one store command: the packet, its shares and the ledger transaction together), publish (the
/// events after the commit). Who may see or claim one: in a 1:1 chat its sender and receiver, in a group its members
/// (and its sender); anyone else gets not_found, so a red packet's existence is not revealed.
/// </summary>
public sealed class RedPacketService(IWalletStore store, WalletService wallet, ISocialStore social, IGroupStore groups, WalletOptions options,
    EventPublisher publisher, TimeProvider time)
{
    public const string DefaultGreeting = "恭喜发财，大吉大利";

    public async ValueTask<Result<RedPacket>> SendAsync(long userId, string? idempotencyKey, CreateRedPacketRequest request, CancellationToken cancellationToken = default)
    {
        if (WalletService.CheckKey(idempotencyKey) is { } badKey) return badKey;
        if ((request.To is null) == (request.GroupId is null))
            return Errors.BadRequest.With("Give exactly one of 'to' (a friend) and 'groupId' (a group).", "“to”（好友）与“groupId”（群）须且只能给出一个。");
        if (request.Count < 1 || request.Count > options.RedPacketMaxCount)
            return RedPacketErrors.InvalidCount.With($"A red packet has 1 to {options.RedPacketMaxCount} shares.", $"红包个数须为 1 到 {options.RedPacketMaxCount} 个。");
        if (request.Amount <= 0 || request.Amount > options.MaxAmount)
            return WalletErrors.InvalidAmount.With($"The amount must be 1 to {options.MaxAmount} fen.", $"金额须为 1 到 {options.MaxAmount} 分。");
        if (request.Amount < request.Count)
            return WalletErrors.InvalidAmount.With($"{request.Amount} fen cannot fill {request.Count} shares of at least 1 fen.", $"{request.Amount} 分不够分成 {request.Count} 个至少 1 分的红包。");
        if (!request.Lucky && request.Amount % request.Count != 0)
            return WalletErrors.InvalidAmount.With($"A fixed red packet splits evenly: {request.Amount} fen does not divide into {request.Count} equal shares.",
                $"普通红包须平均分配：{request.Amount} 分不能平分为 {request.Count} 份。");
        var greeting = string.IsNullOrWhiteSpace(request.Greeting) ? DefaultGreeting : request.Greeting.Trim();
        if (greeting.EnumerateRunes().Count() > 50 || greeting.Any(char.IsControl)) return RedPacketErrors.InvalidGreeting;

        long[] audience;
        if (request.To is { } to)
        {
            if (to == userId) return Errors.BadRequest.With("A 1:1 red packet goes to someone else.", "不能给自己发红包。");
            if (!(await social.GetFriendIdsAsync(userId, cancellationToken)).Contains(to)) return Errors.NotFriends;
            audience = [userId, to];
        }
        else
        {
            var group = await groups.GetAsync(request.GroupId!.Value, cancellationToken);
            if (group is null) return Errors.NotFound;
            if (group.Dissolved) return Errors.GroupDissolved;
            var members = await groups.ListMembersAsync(group.Id, cancellationToken);
            if (!members.Any(m => m.UserId == userId)) return Errors.NotMember;
            audience = [.. members.Select(m => m.UserId)];
        }
        if (await wallet.CheckPayPasswordAsync(userId, request.PayPassword, cancellationToken) is { } refused) return refused;

        var now = time.GetUtcNow();
        var packet = new RedPacketRecord(Guid.NewGuid().ToString("N"), userId, request.To, request.GroupId, request.Amount, request.Count, request.Lucky, greeting,
            RedPacketStatus.Open, 0, 0, now, now + options.RedPacketHold);
        var shares = request.Lucky ? RedPacketSplit.Lucky(request.Amount, request.Count) : RedPacketSplit.Fixed(request.Amount, request.Count);
        var command = new LedgerCommand(WalletService.UserKey(userId, idempotencyKey!),
            $"red_packet|{request.To}|{request.GroupId}|{request.Amount}|{request.Count}|{request.Lucky}|{greeting}", "red_packet", userId, packet.Id,
            [new(LedgerAccounts.UserCny(userId), -request.Amount), new(LedgerAccounts.RedPacketEscrow, request.Amount)], now, wallet.Limit(userId));
        var outcome = await store.CreateRedPacketAsync(packet, shares, command,
            o => audience.Select(id => new EventDraft(id, new RedPacketUpdated(ToWire(o.Packet)))), cancellationToken);
        if (!outcome.IsOk) return outcome.Error;
        await publisher.PublishAsync(outcome.Value.Events);
        return ToWire(outcome.Value.Packet);
    }

    /// <summary>Takes the caller's share; a second claim answers the first again. Only the receiver (1:1) or a member (group).</summary>
    public async ValueTask<Result<RedPacketClaimResult>> ClaimAsync(long userId, string packetId, CancellationToken cancellationToken = default)
    {
        var packet = await store.GetRedPacketAsync(packetId, cancellationToken);
        if (packet is null || !await MaySeeAsync(userId, packet, cancellationToken)) return Errors.NotFound;
        if (packet.ToId is not null && packet.ToId != userId)
            return Errors.Forbidden.With("Only its receiver claims a 1:1 red packet.", "只有接收者可以领取单聊红包。");
        if (packet.GroupId is { } groupId && await groups.GetMemberAsync(groupId, userId, cancellationToken) is null) return Errors.NotMember;
        var outcome = await store.ClaimRedPacketAsync(packetId, userId, time.GetUtcNow(),
            (p, amount) => new LedgerCommand($"rp_claim:{p.Id}:{userId}", $"rp_claim|{p.Id}|{userId}", "red_packet_claim", userId, p.Id,
                [new(LedgerAccounts.RedPacketEscrow, -amount), new(LedgerAccounts.UserCny(userId), amount)], time.GetUtcNow()),
            o => o.Packet.FromId == userId
                ? [new(userId, new RedPacketUpdated(ToWire(o.Packet), ToWire(o.Claim!)))]
                : [new(o.Packet.FromId, new RedPacketUpdated(ToWire(o.Packet), ToWire(o.Claim!))), new(userId, new RedPacketUpdated(ToWire(o.Packet), ToWire(o.Claim!)))],
            cancellationToken);
        if (!outcome.IsOk) return outcome.Error;
        await publisher.PublishAsync(outcome.Value.Events);
        return new RedPacketClaimResult(ToWire(outcome.Value.Packet), outcome.Value.Claim!.Amount, outcome.Value.Replayed);
    }

    /// <summary>The packet and who claimed what: for everyone who can see it.</summary>
    public async ValueTask<Result<RedPacketDetails>> DetailsAsync(long userId, string packetId, CancellationToken cancellationToken = default)
    {
        var packet = await store.GetRedPacketAsync(packetId, cancellationToken);
        if (packet is null || !await MaySeeAsync(userId, packet, cancellationToken)) return Errors.NotFound;
        var claims = await store.RedPacketClaimsAsync(packetId, cancellationToken);
        return new RedPacketDetails(ToWire(packet), [.. claims.Select(ToWire)]);
    }

    /// <summary>Refunds what is left of every red packet whose time ran out; the number refunded.</summary>
    public async ValueTask<int> RefundExpiredAsync(CancellationToken cancellationToken = default)
    {
        var refunded = 0;
        while (true)
        {
            var expired = await store.ExpiredRedPacketsAsync(time.GetUtcNow(), 100, cancellationToken);
            foreach (var packet in expired)
            {
                var outcome = await store.RefundRedPacketAsync(packet.Id,
                    p => new LedgerCommand($"rp_refund:{p.Id}", $"rp_refund|{p.Id}", "red_packet_refund", p.FromId, p.Id,
                        [new(LedgerAccounts.RedPacketEscrow, -p.Remaining), new(LedgerAccounts.UserCny(p.FromId), p.Remaining)], time.GetUtcNow()),
                    o => [new(o.Packet.FromId, new RedPacketUpdated(ToWire(o.Packet)))], cancellationToken);
                if (!outcome.IsOk) continue; // claimed to the last share meanwhile
                await publisher.PublishAsync(outcome.Value.Events);
                refunded++;
            }
            if (expired.Count < 100) return refunded;
        }
    }

    private async ValueTask<bool> MaySeeAsync(long userId, RedPacketRecord packet, CancellationToken cancellationToken) =>
        packet.FromId == userId || packet.ToId == userId
        || (packet.GroupId is { } groupId && await groups.GetMemberAsync(groupId, userId, cancellationToken) is not null);

    public static RedPacket ToWire(RedPacketRecord p) =>
        new(p.Id, p.FromId, p.Amount, p.Count, p.Lucky, p.Greeting, LedgerRules.StatusName(p.Status), p.ClaimedCount, p.ClaimedAmount,
            p.CreatedAt, p.ExpiresAt, p.ToId, p.GroupId, p.SettledAt);

    public static RedPacketClaim ToWire(RedPacketClaimRecord c) => new(c.UserId, c.Amount, c.At);
}
