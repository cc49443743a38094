using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Social;

namespace Penguin.Server.Features.Accounts;

/// <summary>
/// Deleting an account (docs/protocol.md, "Deleting an account"): its friendships end as any removal does, so each
/// friend's buddy list drops it at once; pending requests to it are declined; then the account becomes a tombstone
/// (no password, no profile, hidden from lookups and search, its number never reused) and every device is logged out.
/// Messages already sent stay in the other side's history, as a letter stays with its receiver.
/// </summary>
public static class AccountClosure
{
    public static async Task CloseAsync(long userId, AccountService accounts, SocialService social, IEventBus bus, Func<long, Delivery> ended)
    {
        foreach (var friend in (await social.GetBuddyListAsync(userId)).Friends)
            await social.RemoveFriendAsync(userId, friend.Profile.Number);
        foreach (var request in (await social.ListRequestsAsync(userId)).Incoming.Where(r => r.State == Penguin.Protocol.FriendRequestState.Pending))
            await social.DeclineRequestAsync(userId, request.Id);
        foreach (var session in await accounts.MarkDeletedAsync(userId))
            await bus.PublishAsync(userId, ended(session));
    }
}
