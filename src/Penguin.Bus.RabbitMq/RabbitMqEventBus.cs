using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Penguin.Core.Bus;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Penguin.Bus.RabbitMq;

/// <summary>
/// The cluster bus. One direct exchange; each node owns an exclusive, auto-delete queue bound once per watched
/// user (routing key = user id), so a delivery reaches only the nodes holding that user's sessions.
/// <para>
/// Best effort by design: no publisher confirms, no durable queue, auto-ack. A durable event is already in the
/// database before it is published, and a connection fills any seq gap from the log on the next event or sync,
/// so a lost delivery costs latency, never data. Ephemeral frames (presence) lost in an outage stay lost.
/// </para>
/// <para>
/// Reconnection is our own loop rather than the client's automatic recovery: the same code declares the queue,
/// binds every watched user and starts consuming on the first connect and after every outage, and then tells
/// the node's connections to catch up from the log (<see cref="IDeliveryTarget.ResyncAll"/>).
/// </para>
/// <para>
/// A cluster of one talks to the broker for nothing: every delivery is local. Each node therefore counts the nodes
/// (the consumers of <see cref="RabbitMqBusOptions.NodesQueue"/>) every <see cref="RabbitMqBusOptions.NodeCountInterval"/>
/// and, while the last count said one, publishes nothing. That is safe because a count is trusted for 4 intervals
/// only and a node joining a bus that has nodes waits 10 intervals after it was counted before it serves anyone (and
/// before its connections catch up after a reconnect): every event a lone node did not publish was committed before
/// the newcomer's devices read the log.
/// </para>
/// <para>
/// In a cluster of several, a node still publishes only events whose user another node holds: the nodes tell each
/// other which users they hold (<see cref="SessionDirectory"/>, on the bus's own keys <c>_directory</c> and
/// <c>_node.&lt;id&gt;</c>), so the copy the broker would route back to the publisher alone, and events for users
/// nobody else holds, stay off the broker. <see cref="WatchAsync"/> returns once every other node has learned the
/// user (or after <see cref="AnnounceTimeout"/>, and the user's connections read the log again when the last node
/// answers), so no event skipped by a node that did not know yet is missed.
/// </para>
/// <para>
/// Once a node knows where a user is, the batch of deliveries for that node goes on a direct TCP stream to it
/// (<see cref="NodeLinks"/>) rather than through the broker, and through the broker only while there is no stream.
/// </para>
/// </summary>
public sealed partial class RabbitMqEventBus(RabbitMqBusOptions options, ILogger<RabbitMqEventBus> logger) : IEventBus
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a node waits for the others to learn a user it now holds before it serves the user anyway.</summary>
    public static readonly TimeSpan AnnounceTimeout = TimeSpan.FromSeconds(2);

    private const string DirectoryKey = "_directory"; // every node binds it: Hello, Held, Released, Alive, Bye

    // Identifies this instance in envelopes, so it skips its own deliveries (already handed over locally).
    private readonly Guid _origin = Guid.NewGuid();
    private readonly CachedString _exchange = new(options.Exchange);
    private readonly ConcurrentDictionary<long, byte> _watched = new();
    private readonly ConcurrentDictionary<string, byte> _topics = new();
    // Watch, unwatch and the rebinding after a reconnect take turns, so the broker's bindings end as the set says.
    private readonly SemaphoreSlim _topology = new(1, 1);
    // A channel must not interleave frames of two publishes.
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDeliveryTarget? _target;
    private volatile Link? _link;
    private Task _run = Task.CompletedTask;
    private int _dropReported;
    private long _aloneUntil; // Stopwatch timestamp until which the last node count (one: this node) is trusted
    private long _messagesReceived;
    private long _messagesPublished;
    private readonly SessionDirectory _directory = new();
    private long _announced; // the number of this node's last announcement (Hello or Held)
    private int _otherNodes = int.MaxValue; // nodes counted minus this one; unknown (never enough) when the count failed
    private Gathering<long>? _held; // users this node now holds, announced together (Held)
    private Gathering<(Guid Node, byte[] Envelope)>? _outbox; // deliveries for other nodes, sent together per node
    private NodeLinks? _links; // direct streams to the other nodes, for what the outbox sends

    /// <summary>Whether the node is connected to the broker right now.</summary>
    public bool IsConnected => _link is { Lost.IsCancellationRequested: false };

    /// <summary>Whether this node is the only one on the bus, by a count recent enough to skip publishing.</summary>
    public bool IsAlone => IsConnected && Stopwatch.GetTimestamp() < Volatile.Read(ref _aloneUntil);

    /// <summary>Starts the connection loop and waits for its first attempt; a broker that is down does not stop the node.</summary>
    public async ValueTask StartAsync(IDeliveryTarget target, CancellationToken cancellationToken)
    {
        _target = target;
        if (options.NodeLink is { } endpoint)
        {
            _links = new NodeLinks(_origin, body => DeliverBatch(body.Span), logger);
            try
            {
                _links.Listen(endpoint, options.NodeLinkHost ?? endpoint.Address.ToString());
            }
            catch (System.Net.Sockets.SocketException e)
            {
                // Worded like the host's own bind failures, which the server reports as one line and an exit code.
                throw new IOException($"Failed to bind the node link (Penguin:RabbitMq:NodeLink) to {endpoint}.", e);
            }
        }
        _run = Task.Run(RunAsync, CancellationToken.None);
        await _firstAttempt.Task.WaitAsync(cancellationToken);
    }

    public ValueTask PublishAsync(long userId, Delivery delivery, CancellationToken cancellationToken = default) => PublishAsync([userId], delivery, cancellationToken);

    /// <summary>
    /// One publish for a single user (the routing key names them). For several, one publish per
    /// <see cref="MaxRecipientsPerPublish"/> users naming them all as routing keys (the first, then the rest in the
    /// BCC header, which the broker strips): the broker puts one copy in each node's queue however many of the
    /// named users the node holds, and the envelope lists the recipients. A group message to 2,000 members spread
    /// over three nodes is three copies, not 2,000; a presence change to 500 friends likewise.
    /// </summary>
    public async ValueTask PublishAsync(IReadOnlyCollection<long> userIds, Delivery delivery, CancellationToken cancellationToken = default)
    {
        if (userIds.Count == 0) return;
        // Local sessions get it at once, broker or not; the copy routed back to this node is skipped.
        foreach (var userId in userIds)
            if (_watched.ContainsKey(userId)) _target?.Deliver(userId, delivery);
        if (IsAlone) return;

        if (_link is not { } link)
        {
            ReportDrop();
            return;
        }
        if (_directory.IsComplete)
        {
            await SendToHoldersAsync(userIds, delivery).WaitAsync(cancellationToken);
            return;
        }
        // The view may have gaps: routed by user through the broker's bindings, every user named.
        var recipients = userIds.ToArray();
        Interlocked.Increment(ref _messagesPublished);
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            if (recipients.Length == 1)
            {
                await link.Publish.BasicPublishAsync(_exchange, new CachedString(Key(recipients[0])), DeliveryEnvelope.Encode(delivery, _origin), link.Lost);
                return;
            }
            foreach (var batch in recipients.Chunk(MaxRecipientsPerPublish))
            {
                var properties = new BasicProperties { Headers = new Dictionary<string, object?> { ["BCC"] = batch.Skip(1).Select(id => (object)Key(id)).ToList() } };
                await link.Publish.BasicPublishAsync(_exchange, new CachedString(Key(batch[0])), mandatory: false, properties, DeliveryEnvelope.Encode(delivery, _origin, batch), link.Lost);
            }
        }
        catch (Exception e) when (IsTransient(e))
        {
            ReportDrop();
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>
    /// Queues one envelope per node holding any of the users (naming those of them it holds) for the next flush, and
    /// completes when the flush has handed it to the broker; nothing when no other node holds any of them.
    /// </summary>
    private Task SendToHoldersAsync(IReadOnlyCollection<long> userIds, Delivery delivery)
    {
        Dictionary<Guid, List<long>>? byNode = null;
        foreach (var userId in userIds)
            foreach (var node in _directory.HoldersOf(userId))
            {
                byNode ??= [];
                if (!byNode.TryGetValue(node, out var held)) byNode[node] = held = [];
                held.Add(userId);
            }
        if (byNode is null) return Task.CompletedTask;
        Interlocked.Increment(ref _messagesPublished);
        return Outbox.Add(byNode.Select(n => (n.Key, DeliveryEnvelope.Encode(delivery, _origin, n.Value.ToArray()))));
    }

    private Gathering<(Guid Node, byte[] Envelope)> Outbox => LazyInitializer.EnsureInitialized(ref _outbox, () => new(FlushAsync));

    /// <summary>
    /// Sends a batch of the outbox, one batch per node (in the order queued): on the node's direct stream, or through
    /// the broker to the node's key when there is none; done once handed over.
    /// </summary>
    private async Task<Task> FlushAsync((Guid Node, byte[] Envelope)[] items)
    {
        try
        {
            foreach (var group in items.GroupBy(i => i.Node))
            {
                var batch = DeliveryBatch.Encode([.. group.Select(i => i.Envelope)]);
                if (_links is { } links && await links.TrySendAsync(group.Key, batch)) continue;
                if (_link is not { } link)
                {
                    ReportDrop();
                    continue;
                }
                await _publishing.WaitAsync(link.Lost);
                try
                {
                    await link.Publish.BasicPublishAsync(_exchange, new CachedString(NodeKey(group.Key)), batch, link.Lost);
                }
                finally
                {
                    _publishing.Release();
                }
            }
        }
        // Whatever went wrong, the waiters go on: a publish that did not go out is dropped, and the devices catch up
        // from the log as for any lost delivery.
        catch (Exception e)
        {
            if (!IsTransient(e)) LogPublishFailed(e);
            ReportDrop();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Users named by one publish: the keys travel in the message's header frame, which may not be split, and must
    /// stay well inside the broker's frame size (128 KiB by default; a key is about 15 bytes there).
    /// </summary>
    public const int MaxRecipientsPerPublish = 1000;

    /// <summary>Deliveries this node has taken from its queue or its direct streams (each one copy, whatever the number of its recipients here).</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>User deliveries this node has sent to other nodes (one per publish call that went out, however many users it named).</summary>
    public long MessagesPublished => Interlocked.Read(ref _messagesPublished);

    /// <summary>What this node knows of the users the other nodes hold.</summary>
    public SessionDirectory Directory => _directory;

    /// <summary>Direct streams to other nodes connected now (none when <see cref="RabbitMqBusOptions.NodeLink"/> is off).</summary>
    public int NodeLinksConnected => _links?.Connected ?? 0;

    /// <summary>Batches this node has written to other nodes' direct streams.</summary>
    public long NodeLinkBatchesSent => _links?.FramesSent ?? 0;

    /// <summary>Binds the user to this node's queue, then tells the other nodes and waits until they all know (see the class).</summary>
    public async ValueTask WatchAsync(long userId, CancellationToken cancellationToken = default)
    {
        var bound = false;
        await _topology.WaitAsync(cancellationToken);
        try
        {
            _watched[userId] = 0;
            if (_link is { } link)
            {
                await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, Key(userId), cancellationToken: link.Lost);
                bound = true;
            }
        }
        // The reconnect loop binds every watched user, this one included (and says Hello with all of them).
        catch (Exception e) when (IsTransient(e)) { }
        finally
        {
            _topology.Release();
        }
        if (bound) await AnnounceAsync(userId);
    }

    /// <summary>
    /// Tells every other node that this one holds the user, in one Held message with the users of other logins
    /// waiting at the same moment, and waits until every node has applied it (or <see cref="AnnounceTimeout"/>).
    /// </summary>
    private Task AnnounceAsync(long userId) => LazyInitializer.EnsureInitialized(ref _held, () => new(AnnounceHeldAsync)).Add([userId]);

    private async Task<Task> AnnounceHeldAsync(long[] users)
    {
        // Not connected: nobody to tell now; the Hello after the reconnect names every user this node holds.
        if (_link is null) return Task.CompletedTask;
        var seq = Interlocked.Increment(ref _announced);
        var applied = _directory.AnnouncedAsync(seq, users, Volatile.Read(ref _otherNodes), AnnounceTimeout);
        await PublishDirectoryAsync(DirectoryKey, DirectoryKind.Held, seq, 0, users);
        return applied;
    }

    /// <summary>Publishes a directory message (best effort: a lost one is covered by the timeouts and the next Hello).</summary>
    private async Task PublishDirectoryAsync(string key, DirectoryKind kind, long seq, long ack, ReadOnlyMemory<long> users, byte[]? linkAddress = null)
    {
        if (_link is not { } link) return;
        try
        {
            await _publishing.WaitAsync(link.Lost);
            try
            {
                await link.Publish.BasicPublishAsync(_exchange, new CachedString(key), DirectoryMessage.Encode(kind, _origin, seq, ack, users.Span, linkAddress), link.Lost);
            }
            finally
            {
                _publishing.Release();
            }
        }
        // Never thrown to the announcing loop or the consumer: a lost directory message is covered by the timeouts.
        catch (Exception e)
        {
            if (!IsTransient(e)) LogPublishFailed(e);
        }
    }

    private string NodeKey(Guid node) => $"_node.{node:N}";

    public async ValueTask UnwatchAsync(long userId, CancellationToken cancellationToken = default)
    {
        await _topology.WaitAsync(cancellationToken);
        try
        {
            _watched.TryRemove(userId, out _);
            if (_link is { } link) await link.Consume.QueueUnbindAsync(options.QueueName, options.Exchange, Key(userId), cancellationToken: link.Lost);
        }
        // A new queue after a reconnect starts without this binding.
        catch (Exception e) when (IsTransient(e)) { }
        finally
        {
            _topology.Release();
        }
        // Not waited for: a node that still thinks the user is here only publishes in vain.
        if (!_watched.ContainsKey(userId)) await PublishDirectoryAsync(DirectoryKey, DirectoryKind.Released, 0, 0, new[] { userId });
    }

    /// <summary>
    /// One publish with the topic as routing key: the broker puts one copy in each subscribed node's queue. This
    /// node's copy is skipped on arrival (its connections were served by the caller).
    /// </summary>
    public async ValueTask PublishToTopicAsync(string topic, Delivery delivery, CancellationToken cancellationToken = default)
    {
        TopicName.Check(topic);
        if (IsAlone) return;
        if (_link is not { } link)
        {
            ReportDrop();
            return;
        }
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            await link.Publish.BasicPublishAsync(_exchange, new CachedString(topic), DeliveryEnvelope.Encode(delivery, _origin), link.Lost);
        }
        catch (Exception e) when (IsTransient(e))
        {
            ReportDrop();
        }
        finally
        {
            _publishing.Release();
        }
    }

    public async ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        TopicName.Check(topic);
        await _topology.WaitAsync(cancellationToken);
        try
        {
            _topics[topic] = 0;
            if (_link is { } link) await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, topic, cancellationToken: link.Lost);
        }
        // The reconnect loop binds every subscribed topic, this one included.
        catch (Exception e) when (IsTransient(e)) { }
        finally
        {
            _topology.Release();
        }
    }

    public async ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        await _topology.WaitAsync(cancellationToken);
        try
        {
            if (!_topics.TryRemove(topic, out _)) return;
            if (_link is { } link) await link.Consume.QueueUnbindAsync(options.QueueName, options.Exchange, topic, cancellationToken: link.Lost);
        }
        catch (Exception e) when (IsTransient(e)) { }
        finally
        {
            _topology.Release();
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        var wasDown = false;
        while (!stopping.IsCancellationRequested)
        {
            Link? link = null;
            try
            {
                link = await ConnectAsync(stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested && IsQueueTaken(e) && !_firstAttempt.Task.IsCompleted)
            {
                // Another running node has this NodeId: starting anyway would serve users with no bus at all.
                _firstAttempt.TrySetException(new NodeIdInUseException(options.NodeId, options.QueueName, e));
                return;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Anything else (a broker refusing our topology, a bug) must not end the loop for good: the node would
                // stay off the bus with nothing said. Logged once per outage, retried like an unreachable broker.
                if (!wasDown)
                {
                    if (IsQueueTaken(e)) LogQueueTaken(options.QueueName, options.NodeId);
                    else if (IsTransient(e)) LogUnreachable(e, options.Uri.Host, options.Uri.Port);
                    else LogConnectFailed(e);
                }
                wasDown = true;
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Disposed while connecting (or while waiting to be counted): nothing to report.
            }
            _firstAttempt.TrySetResult();
            if (link is null)
            {
                // Announcements made just before the outage are not answered now: their waiters go on at their timeout.
                Settle();
                try { await Task.Delay(options.ReconnectDelay, stopping); } catch (OperationCanceledException) { }
                continue;
            }

            wasDown = false;
            Interlocked.Exchange(ref _dropReported, 0);
            // Deliveries for this node may have been lost while it was away: every local device catches up from the log.
            _target?.ResyncAll();
            Task? hello = SayHelloAsync();
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(link.Lost, stopping))
            {
                try
                {
                    for (var tick = 1; ; tick++)
                    {
                        await Task.Delay(options.NodeCountInterval, linked.Token);
                        await CountNodesAsync(link, linked.Token);
                        if (tick % 4 == 0) await PublishDirectoryAsync(DirectoryKey, DirectoryKind.Alive, 0, 0, default);
                        Settle();
                        _links?.Prune(_directory.Knows);
                        // Others skipped this node's users until they learned them from its Hello: catch up once they all have.
                        if (hello is { IsCompleted: true })
                        {
                            hello = null;
                            _target?.ResyncAll();
                        }
                    }
                }
                catch (OperationCanceledException) { }
            }

            Volatile.Write(ref _aloneUntil, 0);
            Volatile.Write(ref _otherNodes, int.MaxValue);
            Settle();
            _link = null;
            if (!stopping.IsCancellationRequested) LogLost(link.Connection.CloseReason?.ReplyText);
            await link.DisposeAsync();
        }
    }

    /// <summary>Connects, declares the topology, binds every watched user, then starts consuming.</summary>
    private async Task<Link> ConnectAsync(CancellationToken stopping)
    {
        var factory = new ConnectionFactory
        {
            Uri = options.Uri,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = $"penguin-node-{options.NodeId}",
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(OperationTimeout);
        var connection = await factory.CreateConnectionAsync(timeout.Token);
        var link = new Link(connection);
        try
        {
            connection.ConnectionShutdownAsync += link.OnShutdownAsync;
            link.Publish = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
            link.Consume = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
            link.Census = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
            // A failed operation closes its channel: treat that like a lost connection and start over.
            link.Publish.ChannelShutdownAsync += link.OnShutdownAsync;
            link.Consume.ChannelShutdownAsync += link.OnShutdownAsync;
            link.Census.ChannelShutdownAsync += link.OnShutdownAsync;
            await link.Consume.ExchangeDeclareAsync(options.Exchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: timeout.Token);
            await link.Consume.QueueDeclareAsync(options.QueueName, durable: false, exclusive: true, autoDelete: true, cancellationToken: timeout.Token);
            await link.Consume.QueueDeclareAsync(options.NodesQueue, durable: false, exclusive: false, autoDelete: false, cancellationToken: timeout.Token);

            await _topology.WaitAsync(timeout.Token);
            try
            {
                foreach (var userId in _watched.Keys)
                    await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, Key(userId), cancellationToken: stopping);
                foreach (var topic in _topics.Keys)
                    await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, topic, cancellationToken: stopping);
                _link = link;
            }
            finally
            {
                _topology.Release();
            }

            // What the other nodes said before this connection is lost: the view starts empty, and incomplete.
            _directory.Reset();
            await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, DirectoryKey, cancellationToken: timeout.Token);
            await link.Consume.QueueBindAsync(options.QueueName, options.Exchange, NodeKey(_origin), cancellationToken: timeout.Token);
            var consumer = new AsyncEventingBasicConsumer(link.Consume);
            consumer.ReceivedAsync += OnReceivedAsync;
            await link.Consume.BasicConsumeAsync(options.QueueName, autoAck: true, consumer, timeout.Token);

            // Counted from now on (nothing is ever published to that queue); others that may be skipping their
            // publishes as lone nodes must count this one before it serves anyone.
            await link.Consume.BasicConsumeAsync(options.NodesQueue, autoAck: true, new AsyncEventingBasicConsumer(link.Consume), timeout.Token);
            var nodes = await CountNodesAsync(link, timeout.Token);
            LogConnected(options.QueueName, _watched.Count, nodes);
            if (nodes != 1) await Task.Delay(10 * options.NodeCountInterval, stopping);
            return link;
        }
        catch
        {
            _link = null;
            await link.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads the number of nodes on the bus; a count of one (this node) is trusted for 4 intervals from before the question went out.</summary>
    private async Task<uint> CountNodesAsync(Link link, CancellationToken cancellationToken)
    {
        var asked = Stopwatch.GetTimestamp();
        uint nodes = 0;
        try
        {
            // A channel of its own: a count never waits behind the bindings of a login storm.
            nodes = (await link.Census.QueueDeclarePassiveAsync(options.NodesQueue, cancellationToken)).ConsumerCount;
        }
        // Whatever went wrong, a count not read means "not alone": the node publishes as if there were others.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { }
        Volatile.Write(ref _aloneUntil, nodes == 1 ? asked + 4 * (long)(options.NodeCountInterval.TotalSeconds * Stopwatch.Frequency) : 0);
        Volatile.Write(ref _otherNodes, nodes > 0 ? (int)nodes - 1 : int.MaxValue);
        return nodes;
    }

    /// <summary>
    /// After connecting: tells every node all the users this one holds (they may have missed its announcements) and asks
    /// for theirs (this node may have missed theirs); completes when every node has answered, or after the timeout.
    /// </summary>
    private Task SayHelloAsync()
    {
        var users = _watched.Keys.ToArray();
        var seq = Interlocked.Increment(ref _announced);
        var answered = _directory.AnnouncedAsync(seq, users, Volatile.Read(ref _otherNodes), AnnounceTimeout);
        return Task.WhenAll(answered, PublishDirectoryAsync(DirectoryKey, DirectoryKind.Hello, seq, 0, users, _links?.AdvertisedTrailer));
    }

    /// <summary>Completes the announcements every node has applied; the users of those applied only late read the log again.</summary>
    private void Settle()
    {
        if (_directory.Settle(Volatile.Read(ref _otherNodes)) is { Length: > 0 } late) _target?.Resync(late);
    }

    private async Task OnDirectoryMessageAsync(ReadOnlyMemory<byte> body)
    {
        if (!DirectoryMessage.TryDecode(body.Span, out var kind, out var origin, out var seq, out var ack, out var users, out var link))
        {
            LogUnreadable(body.Length);
            return;
        }
        if (origin == _origin) return; // its own broadcast, routed back
        _directory.Heard(origin);
        if (kind is DirectoryKind.Hello or DirectoryKind.Snapshot && LinkAddress.Decode(link) is { } address) _links?.Learn(origin, address);
        switch (kind)
        {
            case DirectoryKind.Hello:
                _directory.Replace(origin, users);
                await PublishDirectoryAsync(NodeKey(origin), DirectoryKind.Snapshot, Interlocked.Read(ref _announced), seq, _watched.Keys.ToArray(), _links?.AdvertisedTrailer);
                break;
            case DirectoryKind.Held:
                _directory.Add(origin, users);
                await PublishDirectoryAsync(NodeKey(origin), DirectoryKind.Applied, 0, seq, default);
                break;
            case DirectoryKind.Released:
                _directory.Remove(origin, users);
                break;
            case DirectoryKind.Snapshot:
                _directory.Replace(origin, users);
                _directory.Applied(origin, ack);
                await PublishDirectoryAsync(NodeKey(origin), DirectoryKind.Applied, 0, seq, default);
                Settle();
                break;
            case DirectoryKind.Applied:
                _directory.Applied(origin, ack);
                Settle();
                break;
            case DirectoryKind.Bye:
                _directory.Forget(origin);
                _links?.Forget(origin);
                break;
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        if (DirectoryMessage.Is(message.Body.Span)) return OnDirectoryMessageAsync(message.Body);
        if (DeliveryBatch.Is(message.Body.Span))
        {
            if (!DeliverBatch(message.Body.Span)) LogUnreadable(message.Body.Length);
            return Task.CompletedTask;
        }
        Interlocked.Increment(ref _messagesReceived);
        if (!DeliveryEnvelope.TryDecode(message.Body.Span, out var delivery, out var origin, out var recipients))
        {
            LogUnreadable(message.Body.Length);
            return Task.CompletedTask;
        }
        if (origin == _origin) return Task.CompletedTask;
        // Stragglers routed before an unbind took effect are dropped: no session of that user is here any more.
        if (recipients.Length == 0)
        {
            // A routing key that is not a number is a topic (TopicName); skipped once this node left it.
            if (!IsUserKey(message.RoutingKey))
            {
                if (_topics.ContainsKey(message.RoutingKey)) _target?.DeliverToTopic(message.RoutingKey, delivery);
                return Task.CompletedTask;
            }
            if (long.TryParse(message.RoutingKey, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) && _watched.ContainsKey(userId))
                _target?.Deliver(userId, delivery);
            return Task.CompletedTask;
        }
        foreach (var userId in recipients)
            if (_watched.ContainsKey(userId)) _target?.Deliver(userId, delivery);
        return Task.CompletedTask;
    }

    /// <summary>Hands a batch addressed to this node (from the broker or a direct stream) to its users here; false when it does not add up.</summary>
    private bool DeliverBatch(ReadOnlySpan<byte> body)
    {
        Interlocked.Increment(ref _messagesReceived);
        if (!DeliveryBatch.TryRead(body, out var envelopes)) return false;
        foreach (var (delivery, from, users) in envelopes)
            if (from != _origin)
                foreach (var userId in users)
                    if (_watched.ContainsKey(userId)) _target?.Deliver(userId, delivery);
        return true;
    }

    private void ReportDrop()
    {
        if (Interlocked.Exchange(ref _dropReported, 1) == 0) LogDropping();
    }

    private static bool IsUserKey(string routingKey) => routingKey.Length > 0 && routingKey.All(char.IsAsciiDigit);

    private static string Key(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    /// <summary>RESOURCE_LOCKED on declaring this node's exclusive queue: another connection, another node of the same NodeId, holds it.</summary>
    private static bool IsQueueTaken(Exception e) => e is OperationInterruptedException { ShutdownReason.ReplyCode: 405 };

    private bool IsTransient(Exception e) =>
        e is RabbitMQClientException or OperationInterruptedException or IOException or TimeoutException or ObjectDisposedException
        || (e is OperationCanceledException && !_stopping.IsCancellationRequested)
        || (e is System.Net.Sockets.SocketException);

    public async ValueTask DisposeAsync()
    {
        // Best effort, and bounded (a blocked broker must not hold up a shutdown): the others stop publishing for this
        // node's users now rather than after a minute of silence.
        if (_link is not null)
            try { await PublishDirectoryAsync(DirectoryKey, DirectoryKind.Bye, 0, 0, default).WaitAsync(TimeSpan.FromSeconds(2)); } catch (TimeoutException) { }
        await _stopping.CancelAsync();
        await _run;
        _directory.ReleaseWaiters(); // a WatchAsync still waiting for answers returns
        if (_links is not null) await _links.DisposeAsync();
        if (_link is { } link) await link.DisposeAsync();
        // The semaphores and the token source are left to the GC: connections still closing may call Unwatch late.
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Bus connected: queue {Queue}, {Watched} users bound, {Nodes} nodes on the bus")]
    private partial void LogConnected(string queue, int watched, uint nodes);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Bus connection lost ({Reason}); reconnecting")]
    private partial void LogLost(string? reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Bus broker {Host}:{Port} unreachable; retrying")]
    private partial void LogUnreachable(Exception e, string host, int port);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Bus down: deliveries to other nodes are dropped until it is back; devices catch up from the event log")]
    private partial void LogDropping();

    [LoggerMessage(EventId = 307, Level = LogLevel.Error, Message = "Bus queue {Queue} is held by another connection: another node runs with NodeId {NodeId}; retrying until it is free")]
    private partial void LogQueueTaken(string queue, string nodeId);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "Bus connection failed unexpectedly; retrying")]
    private partial void LogConnectFailed(Exception e);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Bus publish failed unexpectedly; dropped (devices catch up from the event log)")]
    private partial void LogPublishFailed(Exception e);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Bus message of {Length} bytes is not a delivery envelope; dropped")]
    private partial void LogUnreadable(int length);

    /// <summary>One connection to the broker and its three channels; <see cref="Lost"/> fires when any of them shuts down.</summary>
    private sealed class Link(IConnection connection) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _lost = new();

        public IConnection Connection { get; } = connection;
        public IChannel Publish { get; set; } = null!;
        public IChannel Consume { get; set; } = null!;
        public IChannel Census { get; set; } = null!; // counts the nodes (RabbitMqBusOptions.NodesQueue)
        public CancellationToken Lost => _lost.Token;

        public Task OnShutdownAsync(object sender, ShutdownEventArgs args)
        {
            try { _lost.Cancel(); } catch (ObjectDisposedException) { }
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            try { _lost.Cancel(); } catch (ObjectDisposedException) { }
            try
            {
                if (Connection.IsOpen) await Connection.CloseAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is RabbitMQClientException or OperationInterruptedException or IOException or ObjectDisposedException or TimeoutException or OperationCanceledException) { }
            Connection.Dispose();
            _lost.Dispose();
        }
    }
}
