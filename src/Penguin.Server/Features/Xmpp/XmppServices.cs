using Penguin.Core.Accounts;
using Penguin.Core.Bus;
using Penguin.Core.Files;
using Penguin.Core.Groups;
using Penguin.Core.Messaging;
using Penguin.Core.Presence;
using Penguin.Core.Rooms;
using Penguin.Core.Social;
using Penguin.Core.Sync;
using Penguin.Core.Xmpp;
using Penguin.Server.Features.Rooms;
using Penguin.Server.Gateway;
using Penguin.Server.Hosting;

namespace Penguin.Server.Features.Xmpp;

/// <summary>What every XMPP stream uses: the same services as the native protocol, and the gateway's delivery.</summary>
internal sealed class XmppServices(
    ServerOptions server,
    AccountService accounts,
    XmppCredentials credentials,
    IXmppStore store,
    SocialService social,
    PresenceService presence,
    MessagingService messaging,
    GroupService groups,
    RoomService rooms,
    RoomHub roomHub,
    XmppUploads uploads,
    AvatarService avatars,
    IMessageStore messages,
    ConnectionRegistry registry,
    IEventBus bus,
    IEventLog log,
    IEnumerable<IConnectionObserver> observers,
    XmppCertificate certificate,
    XmppResumption resumption,
    TimeProvider time,
    ILogger<XmppConnection> logger)
{
    public ServerOptions Server { get; } = server;
    public XmppOptions Options { get; } = server.Xmpp;
    public AccountService Accounts { get; } = accounts;
    public XmppCredentials Credentials { get; } = credentials;
    public IXmppStore Store { get; } = store;
    public SocialService Social { get; } = social;
    public PresenceService Presence { get; } = presence;
    public MessagingService Messaging { get; } = messaging;
    public GroupService Groups { get; } = groups;
    public RoomService Rooms { get; } = rooms;
    /// <summary>Chat rooms are entered, spoken in and left through the hub with the resource's connection, as a native device does.</summary>
    public RoomHub RoomHub { get; } = roomHub;
    /// <summary>XEP-0363 slots, and bytes (vCard photos) stored through the native upload's checks and limits.</summary>
    public XmppUploads Uploads { get; } = uploads;
    public AvatarService Avatars { get; } = avatars;
    /// <summary>XEP-0153 hashes (SHA-1 of the picture) by avatar digest, so a presence does not read the picture each time.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> PhotoHashes { get; } = new();
    public const int PhotoHashCapacity = 10_000;
    /// <summary>Read-only look-ups (a message by its client id or id, the history for MAM); every change goes through the services.</summary>
    public IMessageStore Messages { get; } = messages;
    public ConnectionRegistry Registry { get; } = registry;
    /// <summary>Ends, on every node, the connections of sessions a new resource evicted beyond the per-account cap.</summary>
    public IEventBus Bus { get; } = bus;
    public IEventLog Log { get; } = log;
    public IConnectionObserver[] Observers { get; } = [.. observers];
    public XmppCertificate Certificate { get; } = certificate;
    public XmppResumption Resumption { get; } = resumption;
    public TimeProvider Time { get; } = time;
    public ILogger<XmppConnection> Logger { get; } = logger;
}
