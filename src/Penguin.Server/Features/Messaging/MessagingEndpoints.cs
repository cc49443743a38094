using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Api;
using static Penguin.Server.Api.ApiSupport;

namespace Penguin.Server.Features.Messaging;

/// <summary>What is not real-time about chat: the conversation list, history pages and search. Sending is on /ws.</summary>
public static class MessagingEndpoints
{
    private static readonly PenguinJson Json = PenguinJson.Wire;

    public static void MapMessagingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireSession();

        api.MapGet("/conversations", async (Caller caller, MessagingService messaging, CancellationToken cancellationToken) =>
            Ok(new ConversationList(await messaging.ListConversationsAsync(caller.UserId, cancellationToken)), Json.ConversationList));

        api.MapGet("/conversations/{peer:long}/messages", async (long peer, long? before, int? limit, Caller caller, MessagingService messaging, CancellationToken cancellationToken) =>
            From(await messaging.HistoryAsync(caller.UserId, peer, before, limit, cancellationToken), Json.MessagePage));

        api.MapGet("/messages", async (string? q, int? limit, Caller caller, MessagingService messaging, CancellationToken cancellationToken) =>
            From(await messaging.SearchAsync(caller.UserId, q, limit, cancellationToken), Json.MessagePage));
    }
}
