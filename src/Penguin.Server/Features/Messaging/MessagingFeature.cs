using Penguin.Core.Messaging;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Messaging;

/// <summary>One-to-one chat: sending, acks and receipts, read cursors, recall, delete, typing; history and search over REST.</summary>
public static class MessagingFeature
{
    public static IServiceCollection AddMessaging(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IMessageStore, SqliteMessageStore, PostgresMessageStore>(options);
        services.AddSingleton(options.Messaging);
        services.AddSingleton<MessagingService>();
        services.AddFrameHandler<SendMessage, SendMessageHandler>();
        services.AddFrameHandler<Acknowledge, AcknowledgeHandler>();
        services.AddFrameHandler<MarkRead, MarkReadHandler>();
        services.AddFrameHandler<RecallMessage, RecallMessageHandler>();
        services.AddFrameHandler<DeleteMessage, DeleteMessageHandler>();
        services.AddFrameHandler<SetTyping, SetTypingHandler>();
        services.AddConnectionObserver<TypingConnectionObserver>();
        services.AddSingleton<Penguin.Core.Files.IFileAccess, MessageFileAccess>();
        return services;
    }

    public static IEndpointRouteBuilder MapMessaging(this IEndpointRouteBuilder app)
    {
        app.MapMessagingApi();
        return app;
    }
}
