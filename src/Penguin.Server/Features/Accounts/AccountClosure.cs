using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Groups;
using Penguin.Core.Social;

namespace Penguin.Server.Features.Accounts;

/// <summary>
/// Deleting an account (docs/protocol.md, "Deleting an account"). It is marked deleted first: a tombstone (no password,
/// no profile, hidden from lookups and search, its number never reused) that nothing new attaches to — the stores refuse a
/// friendship, a membership or a group's ownership for it inside their writes — and every device is logged out. Then what
/// it had is ended: its friendships, as any removal does, so each friend's buddy list drops it at once; pending requests to
/// it are declined; it leaves its groups, a group it owned passing to the longest-standing admin, else member, or dissolved
/// when it was alone. Messages already sent stay in the other side's history, as a letter stays with its receiver.
/// The ending is several writes after the mark: a node stopped between them leaves it to <see cref="DeletionSweeper"/>.
/// </summary>
public static class AccountClosure
{
    public static async Task CloseAsync(long userId, AccountService accounts, SocialService social, GroupService groups, IEventBus bus, Func<long, Delivery> ended)
    {
        foreach (var session in await accounts.MarkDeletedAsync(userId))
            await bus.PublishAsync(userId, ended(session));
        await FinishAsync(userId, social, groups);
    }

    /// <summary>Ends what a deleted account still has; each step is a no-op for what is already ended, so it may run again.</summary>
    public static async Task FinishAsync(long userId, SocialService social, GroupService groups, CancellationToken cancellationToken = default)
    {
        foreach (var friend in (await social.GetBuddyListAsync(userId, cancellationToken)).Friends)
            await social.RemoveFriendAsync(userId, friend.Profile.Number, cancellationToken);
        foreach (var request in (await social.ListRequestsAsync(userId, cancellationToken)).Incoming.Where(r => r.State == Penguin.Protocol.FriendRequestState.Pending))
            await social.DeclineRequestAsync(userId, request.Id, cancellationToken);
        await groups.LeaveAllOfDeletedAsync(userId, cancellationToken);
    }
}
