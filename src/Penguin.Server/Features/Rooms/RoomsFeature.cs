using Penguin.Core.Rooms;
using Penguin.Protocol;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;
using Penguin.Storage.Postgres;
using Penguin.Storage.Sqlite;

namespace Penguin.Server.Features.Rooms;

/// <summary>Chat rooms (聊天室): entering, leaving and speaking on /ws; the directory, moderators, kicks and bans over REST.</summary>
public static class RoomsFeature
{
    public static IServiceCollection AddRooms(this IServiceCollection services, ServerOptions options)
    {
        services.AddStore<IRoomStore, SqliteRoomStore, PostgresRoomStore>(options);
        services.AddSingleton(options.Rooms);
        services.AddSingleton<RoomService>();
        services.AddSingleton<RoomPresence>();
        if (options.Storage == StorageEngine.Postgres)
        {
            // A cluster: who is inside is shared by the nodes (table room_occupancy), kept fresh like presence.
            services.AddSingleton(sp => new PostgresRoomOccupancy(sp.GetRequiredService<PostgresDatabase>(), options.NodeId, options.PresenceTtl));
            services.AddSingleton<IRoomOccupancy>(sp => sp.GetRequiredService<PostgresRoomOccupancy>());
            services.AddHostedService<RoomOccupancyKeeper>();
        }
        else
        {
            services.AddSingleton<IRoomOccupancy, LocalRoomOccupancy>();
        }
        services.AddSingleton<RoomHub>();
        services.AddFrameHandler<EnterRoom, EnterRoomHandler>();
        services.AddFrameHandler<LeaveRoom, LeaveRoomHandler>();
        services.AddFrameHandler<SendRoomMessage, SendRoomMessageHandler>();
        services.AddConnectionObserver<RoomsConnectionObserver>();
        return services;
    }

    public static IEndpointRouteBuilder MapRooms(this IEndpointRouteBuilder app)
    {
        app.MapRoomsApi();
        return app;
    }
}
