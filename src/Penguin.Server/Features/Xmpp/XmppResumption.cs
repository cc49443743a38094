using System.Collections.Concurrent;

namespace Penguin.Server.Features.Xmpp;

/// <summary>The resumable streams of this node by their XEP-0198 id (random, unguessable), detached or not.</summary>
internal sealed class XmppResumption
{
    private readonly ConcurrentDictionary<string, XmppConnection> _streams = new(StringComparer.Ordinal);

    public void Add(string id, XmppConnection stream) => _streams[id] = stream;

    public XmppConnection? Find(string id) => _streams.GetValueOrDefault(id);

    public void Remove(string id) => _streams.TryRemove(id, out _);
}
