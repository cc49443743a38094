using System.Net.WebSockets;
using System.Text.Json;
using Penguin.Core.Common;
using Penguin.Core.Sync;
using Penguin.Protocol;
using Penguin.Server.Api;
using Penguin.Server.Hosting;
using Penguin.Server.Ops;

namespace Penguin.Server.Gateway;

/// <summary>
/// The /ws endpoint: authenticates the device, streams what it missed, keeps it live, and on goodbye or
/// silence ends it. Requests are answered in order; a bad frame gets an error and the connection survives,
/// except an oversized frame, which closes it with 1009. The gateway answers ping, auth and sync itself and
/// hands every other op to the handler a feature registered for it (<see cref="FrameDispatcher"/>); the
/// features' <see cref="IConnectionObserver"/>s hear when a device comes online and goes away.
/// </summary>
public sealed partial class WebSocketGateway(
    ConnectionRegistry registry,
    UnauthenticatedConnections pending,
    IConnectionAuthenticator authenticator,
    FrameDispatcher dispatcher,
    IEnumerable<IConnectionObserver> observers,
    IEventLog log,
    PenguinMetrics metrics,
    ServerOptions options,
    ConnectionLimits limits,
    TimeProvider time,
    ILogger<WebSocketGateway> logger)
{
    public const int ProtocolVersion = 1;

    private readonly IConnectionObserver[] _observers = [.. observers];
    private int _closingAll;

    /// <summary>
    /// The HTTP path to /ws: upgrades the WebSocket requests that <see cref="WebSocketUpgrade"/> left to Kestrel
    /// (a keep-alive connection's later request, an unusual handshake) and refuses what is not a valid upgrade.
    /// </summary>
    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket upgrade required / 需要 WebSocket 连接");
            return;
        }
        if (context.Request.Query["v"] is { Count: > 0 } v && v[0] != ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Unsupported protocol version / 不支持的协议版本");
            return;
        }

        if (!limits.TryOpenWebSocket(context.Connection.RemoteIpAddress))
        {
            context.Response.Headers.RetryAfter = "5";
            await Api.ApiSupport.Fail(Errors.Unavailable.With("The server holds as many connections as it can; try again shortly.", "服务器连接数已满，请稍后再试。")).ExecuteAsync(context);
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
            await RunAsync(socket);
        }
        finally
        {
            limits.CloseWebSocket();
        }
    }

    /// <summary>Serves one accepted WebSocket until it closes, whichever path accepted it.</summary>
    public async Task RunAsync(WebSocket socket)
    {
        var connection = new Connection(socket, log, options.OutboundQueueLimit, time, logger);
        metrics.ConnectionOpened();
        pending.Add(connection);
        // Upgraded just as the server began to stop: CloseAll may have looked at the pending ones just before this one.
        if (Interlocked.CompareExchange(ref _closingAll, 0, 0) == 1) _ = connection.CloseAsync(CloseCodes.ServerStopping, "server stopping");
        try
        {
            // One small loop frame per connection while idle: it waits on a zero-byte read, holding no buffer (on the
            // gateway's own transport, the socket's wait itself: the connection aborts the socket when it ends).
            var lean = socket as Transport.SocketWebSocket;
            while (!connection.Closed.IsCancellationRequested)
            {
                if (lean is not null) await lean.WaitUntilReadableAsync();
                var ready = await socket.ReceiveAsync(Memory<byte>.Empty, connection.Closed);
                if (!await ReceiveFrameAsync(connection, ready.MessageType)) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException or System.Net.Sockets.SocketException)
        {
            // Peer vanished or the connection was closed by the server.
        }
        catch (Exception e)
        {
            // A bug: logged once, and the connection is ended cleanly rather than dropped without a word.
            LogReceiveFailed(e);
            connection.EndWith(ErrorReply.From(Errors.Internal, 0), WebSocketCloseStatus.InternalServerError);
        }
        finally
        {
            await EndAsync(connection);
            socket.Dispose();
        }
    }

    /// <summary>Reads, parses and handles one message whose data has arrived; false when the connection is to end.</summary>
    private async Task<bool> ReceiveFrameAsync(Connection connection, WebSocketMessageType type)
    {
        using var message = type == WebSocketMessageType.Close ? default : await connection.ReadMessageAsync(type, Limits.MaxFrameBytes);
        if (message.Buffer is null)
        {
            await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
            return false;
        }
        connection.LastReceived = time.GetTimestamp();
        metrics.FrameReceived();
        if (message.TooLarge)
        {
            connection.EndWith(ErrorReply.From(Errors.FrameTooLarge, 0), WebSocketCloseStatus.MessageTooBig);
            if (!message.Ended) await connection.DiscardRestAsync(options.MaxDiscardedFrameBytes);
            return false;
        }
        if (message.Type != WebSocketMessageType.Text)
        {
            connection.Send(ErrorReply.From(Errors.BadJson.With("Send JSON text frames.", "请发送 JSON 文本消息。"), 0));
            return true;
        }
        if (!System.Text.Unicode.Utf8.IsValid(message.Span))
        {
            // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection (1007).
            connection.EndWith(ErrorReply.From(Errors.BadJson.With("Text frames must be UTF-8.", "文本消息必须是 UTF-8 编码。"), 0), WebSocketCloseStatus.InvalidPayloadData);
            return false;
        }
        var (frame, error) = Parse(message.Span);
        if (error is not null) connection.Send(error);
        else await HandleSafelyAsync(connection, frame!);
        return true;
    }

    /// <summary>
    /// Lets a last queued frame (an error, a close) go out, then takes the device off this node. Every step runs
    /// whatever an earlier one threw (each failure logged once), so no connection stays "online" or counted.
    /// </summary>
    private async Task EndAsync(Connection connection)
    {
        try
        {
            connection.FinishSending();
            try { await connection.WhenDrained().WaitAsync(TimeSpan.FromSeconds(2)); } catch (TimeoutException) { }
            connection.Abort();
            pending.Remove(connection);
            await connection.WhenDrained();
            await Safely(() => registry.RemoveAsync(connection).AsTask(), "registry");
            if (connection.Session is { } session)
            {
                var lastOfSession = !registry.HasSession(session.UserId, session.SessionId);
                foreach (var observer in _observers) await Safely(() => observer.OnClosedAsync(connection, lastOfSession).AsTask(), observer.GetType().Name);
            }
        }
        finally
        {
            metrics.ConnectionClosed();
        }
    }

    private async Task Safely(Func<Task> step, string what)
    {
        try
        {
            await step();
        }
        catch (Exception e)
        {
            LogEndStepFailed(e, what);
        }
    }

    /// <summary>Deserializes once, straight from the received bytes; on failure says why, naming the request id when readable.</summary>
    private static (ClientFrame? Frame, ErrorReply? Error) Parse(ReadOnlySpan<byte> frame)
    {
        try
        {
            return JsonSerializer.Deserialize(frame, PenguinJson.Wire.ClientFrame) is { } parsed
                ? (parsed, null)
                : (null, ErrorReply.From(Errors.BadRequest, 0));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // InvalidOperationException: a lone surrogate escape ("\ud800") in a property name cannot become a string (found by FuzzTests).
            var (id, op, wellFormed) = Peek(frame);
            if (!wellFormed) return (null, ErrorReply.From(Errors.BadJson, id));
            if (op is null || !KnownOps.Contains(op)) return (null, ErrorReply.From(Errors.UnknownOp.With($"Unknown operation '{op}'.", $"未知的操作“{op}”。"), id));
            return (null, ErrorReply.From(JsonInputErrors.Describe(e, $"'{op}' request", $"“{op}”请求"), id));
        }
    }

    private static readonly HashSet<string> KnownOps =
        [.. PenguinJson.Wire.ClientFrame.PolymorphismOptions!.DerivedTypes.Select(t => (string)t.TypeDiscriminator!)];

    /// <summary>Reads the top-level "id" and "op" of a frame that failed to deserialize, to say why.</summary>
    private static (long Id, string? Op, bool WellFormed) Peek(ReadOnlySpan<byte> frame)
    {
        long id = 0;
        string? op = null;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (0, null, false);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "id" && reader.TokenType == JsonTokenType.Number) reader.TryGetInt64(out id);
                else if (name == "op" && reader.TokenType == JsonTokenType.String) op = reader.GetString();
                else reader.Skip();
            }
            // Anything after the object ("{…}{…}") is not one JSON object: the reader throws on it.
            return (id, op, !reader.Read());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return (id, op, false);
        }
    }

    private async Task HandleAsync(Connection connection, ClientFrame frame)
    {
        switch (frame)
        {
            case Ping:
                connection.Send(new Pong { Re = frame.Id });
                break;
            case Authenticate auth when connection.Session is null:
                await AuthenticateAsync(connection, auth);
                break;
            case Authenticate:
                connection.Send(ErrorReply.From(Errors.AlreadyAuthenticated, frame.Id));
                break;
            case not null when connection.Session is null:
                connection.Send(ErrorReply.From(Errors.NotAuthenticated, frame.Id));
                break;
            case Sync sync when sync.Since < 0:
                connection.Send(ErrorReply.From(Errors.InvalidField.With("'since' must be 0 or more.", "“since”不能小于 0。"), frame.Id));
                break;
            case Sync sync:
                connection.CatchUp(frame.Id, sync.Since);
                break;
            default:
                await dispatcher.RouteOf(frame!).Handle(connection, frame!, connection.Closed);
                break;
        }
    }

    /// <summary>A database outage answers the request with "unavailable"; the connection stays for when it recovers.</summary>
    private async Task HandleSafelyAsync(Connection connection, ClientFrame frame)
    {
        try
        {
            await HandleAsync(connection, frame);
        }
        catch (StorageUnavailableException)
        {
            // An auth that failed half way (registered, but its features not told) cannot be left standing: the client retries.
            if (frame is Authenticate && connection.Session is not null) connection.EndWith(ErrorReply.From(Errors.Unavailable, frame.Id), CloseCodes.TryAgainLater);
            else connection.Send(ErrorReply.From(Errors.Unavailable, frame.Id));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in one request: logged once, answered "internal"; the connection serves the next request (but a
            // half-done auth ends the connection).
            LogHandlerFailed(e, frame.GetType().Name);
            if (frame is Authenticate && connection.Session is not null) connection.EndWith(ErrorReply.From(Errors.Internal, frame.Id), WebSocketCloseStatus.InternalServerError);
            else connection.Send(ErrorReply.From(Errors.Internal, frame.Id));
        }
    }

    private async Task AuthenticateAsync(Connection connection, Authenticate auth)
    {
        if (await authenticator.AuthenticateAsync(auth.Token, connection.Closed) is not { } account)
        {
            metrics.AuthenticationFailed("token");
            connection.Send(ErrorReply.From(Errors.InvalidToken, auth.Id));
            return;
        }
        var session = account.Session;
        var head = await log.HeadAsync(session.UserId, connection.Closed);

        connection.Session = session;
        pending.Remove(connection);
        connection.StartAt(auth.Since is { } since && since >= 0 && since <= head ? since : head);
        connection.Send(new Authenticated(account.Profile, account.Settings, session.SessionId, session.Device, head) { Re = auth.Id });
        // Registered before the features speak (a presence snapshot), so no change can fall between the two.
        foreach (var old in await registry.AddAsync(connection))
            old.EndWith(new SessionEnded(Errors.SessionReplaced.Code, Errors.SessionReplaced.Message, Errors.SessionReplaced.MessageZh), CloseCodes.Replaced);
        foreach (var observer in _observers) await observer.OnAuthenticatedAsync(connection, auth, connection.Closed);
        // Whatever was committed before registration and after the cursor arrives now, in order.
        connection.CatchUp(0, from: null);
        foreach (var observer in _observers) await observer.OnLiveAsync(connection, auth, connection.Closed);
        await authenticator.TouchAsync(session, connection.Closed);
        metrics.Authenticated();
        LogAuthenticated(session.UserId, session.SessionId, session.Device);
    }

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "The receive loop of a connection failed")]
    private partial void LogReceiveFailed(Exception e);

    [LoggerMessage(EventId = 114, Level = LogLevel.Error, Message = "Ending a connection: the {Step} step failed")]
    private partial void LogEndStepFailed(Exception e, string step);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "Handling a {Frame} request failed")]
    private partial void LogHandlerFailed(Exception e, string frame);

    /// <summary>On stop: every WebSocket is closed with 1001 (going away); the client reconnects elsewhere or later and syncs.</summary>
    public void CloseAll()
    {
        Interlocked.Exchange(ref _closingAll, 1);
        foreach (var connection in registry.All) _ = connection.CloseAsync(CloseCodes.ServerStopping, "server stopping");
        foreach (var connection in pending.All) _ = connection.CloseAsync(CloseCodes.ServerStopping, "server stopping");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "User {UserId} session {SessionId} ({Device}) connected")]
    private partial void LogAuthenticated(long userId, long sessionId, DeviceKind device);
}
