using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// The IM extensions over real TCP: receipts and markers ↔ delivered/read, chat states, the stanza-id echo,
/// retraction ↔ recall, carbons and MAM. Romeo uses XMPP, Juliet the native protocol.
/// </summary>
public sealed class XmppImTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Sid = "urn:xmpp:sid:0";
    private static readonly XNamespace Receipts = "urn:xmpp:receipts";
    private static readonly XNamespace Markers = "urn:xmpp:chat-markers:0";
    private static readonly XNamespace Retract = "urn:xmpp:message-retract:1";
    private static readonly XNamespace Carbons = "urn:xmpp:carbons:2";
    private static readonly XNamespace Forward = "urn:xmpp:forward:0";
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";
    private TestServer Server => fixture.Server;

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Round trip with a ping, so everything the server sent before it has been read.</summary>
    private static async Task SyncAsync(XmppTestClient xmpp, string id)
    {
        await xmpp.SendAsync($"<iq type='get' id='{id}'><ping xmlns='urn:xmpp:ping'/></iq>");
        await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == id && (string?)e.Attribute("type") == "result");
    }

    [Fact]
    public async Task Receipts_GoOnlyToMessagesThatAskedForThem()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='plain-1'><body>no receipt wanted</body></message>");
        await native.WaitForAsync<MessageReceived>(m => m.Message.ClientId == "plain-1");
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='asked-2'><body>tell me</body><request xmlns='urn:xmpp:receipts'/></message>");
        await native.WaitForAsync<MessageReceived>(m => m.Message.ClientId == "asked-2");

        // The first receipt to arrive is the one that was asked for; none ever names the message that did not ask.
        var receipt = await xmpp.ExpectAsync(e => e.Element(Receipts + "received") is not null);
        Assert.Equal("asked-2", (string?)receipt.Element(Receipts + "received")!.Attribute("id"));
        await SyncAsync(xmpp, "after-receipts");
        Assert.DoesNotContain(xmpp.Kept, e => e.Element(Receipts + "received") is not null);
    }

    [Fact]
    public async Task Sent_EchoesTheStanzaId_AndNativeDeliveredAndRead_ComeBackAsReceiptAndMarker()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='r-1'><body>Good night, good night!</body><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/><origin-id xmlns='urn:xmpp:sid:0' id='r-1'/></message>");
        var received = await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number);

        // XEP-0359: the archive's id comes back to the sender.
        var echo = await xmpp.ExpectAsync(e => e.Element(Sid + "stanza-id") is not null && e.Element(Client + "body") is null);
        Assert.Equal(Id(received.Message.Id), (string?)echo.Element(Sid + "stanza-id")!.Attribute("id"));
        Assert.Equal("r-1", (string?)echo.Element(Sid + "origin-id")!.Attribute("id"));

        // Juliet's device took it (it acknowledges automatically): a XEP-0184 receipt naming Romeo's id.
        var receipt = await xmpp.ExpectAsync(e => e.Element(Receipts + "received") is not null);
        Assert.Equal("r-1", (string?)receipt.Element(Receipts + "received")!.Attribute("id"));
        Assert.StartsWith($"{juliet.Number}@localhost", (string?)receipt.Attribute("from"), StringComparison.Ordinal);

        // Juliet reads it: a XEP-0333 displayed marker.
        await native.MarkReadAsync(romeo.Number, received.Message.Seq);
        var marker = await xmpp.ExpectAsync(e => e.Element(Markers + "displayed") is not null);
        Assert.Equal("r-1", (string?)marker.Element(Markers + "displayed")!.Attribute("id"));
    }

    [Fact]
    public async Task XmppDisplayedMarker_MarksTheConversationReadNatively()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        var first = (await native.SendTextAsync(romeo.Number, "one")).Message;
        var second = (await native.SendTextAsync(romeo.Number, "two")).Message;
        await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "one");
        var stanza = await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "two");
        Assert.NotNull(stanza.Element(Markers + "markable"));

        // An unknown id and another conversation's message change nothing; then the real one reads up to "one".
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><displayed xmlns='urn:xmpp:chat-markers:0' id='penguin-999999999'/></message>");
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><displayed xmlns='urn:xmpp:chat-markers:0' id='penguin-{first.Id}'/></message>");
        var read = await native.WaitForAsync<MessageReceipt>(r => r.Peer == romeo.Number && r.ReadSeq > 0);
        Assert.Equal(first.Seq, read.ReadSeq);

        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><displayed xmlns='urn:xmpp:chat-markers:0' id='{(string?)stanza.Attribute("id")}'/></message>");
        read = await native.WaitForAsync<MessageReceipt>(r => r.Peer == romeo.Number && r.ReadSeq == second.Seq);
        var conversation = (await romeo.Rest.GetConversationsAsync()).Single(c => c.Peer == juliet.Number);
        Assert.Equal(0, conversation.Unread);
    }

    [Fact]
    public async Task ChatStates_ComposingIsTypingOn_EveryOtherStateIsOff()
    {
        await using var juliet = await Server.RegisterAsync("juliet");
        var native = await juliet.ConnectAsync();
        // One XMPP user per state: typing is throttled per user (a few a second), and no test waits out a throttle.
        foreach (var state in new[] { "paused", "active", "inactive", "gone" })
        {
            await using var romeo = await Server.RegisterAsync("romeo");
            await romeo.BefriendAsync(juliet);
            await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
            await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
            Assert.True((await native.WaitForAsync<TypingChanged>(t => t.From == romeo.Number)).Active);
            await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost'><{state} xmlns='http://jabber.org/protocol/chatstates'/></message>");
            Assert.False((await native.WaitForAsync<TypingChanged>(t => t.From == romeo.Number)).Active, state);
            if (state != "gone") continue;
            await native.SetTypingAsync(romeo.Number, true);
            await xmpp.ExpectAsync(e => e.Element(XNamespace.Get("http://jabber.org/protocol/chatstates") + "composing") is not null);
            await native.SetTypingAsync(romeo.Number, false);
            await xmpp.ExpectAsync(e => e.Element(XNamespace.Get("http://jabber.org/protocol/chatstates") + "paused") is not null);
        }
    }

    [Fact]
    public async Task Retraction_RecallsOwnMessage_NotSomeoneElses_AndNativeRecallArrivesAsRetraction()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='oops'><body>a rose by any other name</body><origin-id xmlns='urn:xmpp:sid:0' id='oops'/></message>");
        var sent = await native.WaitForAsync<MessageReceived>(m => m.Message.From == romeo.Number);
        var hers = (await native.SendTextAsync(romeo.Number, "mine, not yours")).Message;
        await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "mine, not yours");

        // Juliet's message is not Romeo's to retract: an error, and it stays.
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='x2'><retract xmlns='urn:xmpp:message-retract:1' id='penguin-{hers.Id}'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>retracted</body></message>");
        var refused = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "x2");
        Assert.Equal("error", (string?)refused.Attribute("type"));
        Assert.NotNull(refused.Descendants().FirstOrDefault(e => e.Name.LocalName == "item-not-found"));

        // His own, by its origin-id: recalled natively (the fallback body is not sent as a message).
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='x1'><retract xmlns='urn:xmpp:message-retract:1' id='oops'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>retracted</body></message>");
        var recalled = await native.WaitForAsync<MessageRecalled>(r => r.Id == sent.Message.Id);
        Assert.Equal(romeo.Number, recalled.Peer);
        var history = await juliet.Rest.GetHistoryAsync(romeo.Number);
        Assert.True(history.Messages.Single(m => m.Id == sent.Message.Id).Recalled);
        Assert.False(history.Messages.Single(m => m.Id == hers.Id).Recalled);
        Assert.Equal(2, history.Messages.Length);

        // Juliet recalls hers natively: Romeo's client gets a retraction of the id it knows the message by.
        await native.RecallAsync(hers.Id);
        var retraction = await xmpp.ExpectAsync(e => e.Element(Retract + "retract") is not null);
        Assert.Equal($"penguin-{hers.Id}", (string?)retraction.Element(Retract + "retract")!.Attribute("id"));
        Assert.StartsWith($"{juliet.Number}@localhost", (string?)retraction.Attribute("from"), StringComparison.Ordinal);
    }

    /// <summary>The two-minute rule on the server's own (virtual) clock.</summary>
    [Fact]
    public async Task Retraction_AfterTwoMinutes_IsNotAllowedAndChangesNothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var server = await TestServer.StartAsync(o =>
        {
            o.HeartbeatTimeout = TimeSpan.FromHours(1);
            o.Xmpp.Enabled = true;
            o.Xmpp.Port = 0;
        }, clock);
        await using var romeo = await server.RegisterAsync("romeo");
        await using var juliet = await server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number);
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='old'><body>too late</body></message>");
        await xmpp.ExpectAsync(e => e.Element(Sid + "stanza-id") is not null && (string?)e.Attribute("id") == "old");

        clock.Advance(Limits.RecallWindow + TimeSpan.FromSeconds(1));
        await xmpp.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='x3'><retract xmlns='urn:xmpp:message-retract:1' id='old'/></message>");
        var refused = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "x3");
        Assert.Equal("error", (string?)refused.Attribute("type"));
        Assert.NotNull(refused.Descendants().FirstOrDefault(e => e.Name.LocalName == "not-allowed"));
        Assert.False(Assert.Single((await juliet.Rest.GetHistoryAsync(romeo.Number)).Messages).Recalled);
    }

    [Fact]
    public async Task Carbons_MessagesSentFromAnotherDevice_AreCopiedOnlyToResourcesThatEnabledThem()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var romeoNative = await romeo.ConnectAsync();
        await using var withCarbons = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "phone");
        await using var without = await XmppTestClient.LoginAsync(Server, romeo.Number, resource: "laptop");
        await withCarbons.SendAsync("<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
        Assert.Equal("result", (string?)(await withCarbons.ExpectAsync(e => (string?)e.Attribute("id") == "c1")).Attribute("type"));

        var sent = (await romeoNative.SendTextAsync(juliet.Number, "sent from the app", "app-1")).Message;
        var carbon = await withCarbons.ExpectAsync(e => e.Element(Carbons + "sent") is not null);
        var inner = carbon.Element(Carbons + "sent")!.Element(Forward + "forwarded")!.Element(Client + "message")!;
        Assert.Equal("sent from the app", inner.Element(Client + "body")!.Value);
        Assert.Equal($"{juliet.Number}@localhost", (string?)inner.Attribute("to"));
        Assert.Equal("app-1", (string?)inner.Attribute("id"));
        Assert.Equal(Id(sent.Id), (string?)inner.Element(Sid + "stanza-id")!.Attribute("id"));
        Assert.Equal($"{romeo.Number}@localhost", (string?)carbon.Attribute("from"));

        // The phone's own send is echoed to it, not copied; the laptop (carbons on now) gets the copy.
        await without.SendAsync("<iq type='set' id='c2'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
        await without.ExpectAsync(e => (string?)e.Attribute("id") == "c2");
        await withCarbons.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='ph-1'><body>from the phone</body></message>");
        var copied = await without.ExpectAsync(e => e.Element(Carbons + "sent") is not null
            && e.Descendants(Client + "body").Any(b => b.Value == "from the phone"));
        Assert.NotNull(copied);
        await withCarbons.ExpectAsync(e => (string?)e.Attribute("id") == "ph-1" && e.Element(Sid + "stanza-id") is not null);
        await SyncAsync(withCarbons, "s1");
        Assert.DoesNotContain(withCarbons.Kept, e => e.Element(Carbons + "sent") is not null && e.Descendants(Client + "body").Any(b => b.Value == "from the phone"));
    }

    [Fact]
    public async Task Carbons_Disabled_NoCopyOfOwnMessages()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var romeoNative = await romeo.ConnectAsync();
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await romeoNative.SendTextAsync(juliet.Number, "not copied");
        // Juliet's reply comes after Romeo's message in Romeo's event log: once it arrives, the copy would have too.
        var native = await juliet.ConnectAsync();
        await native.SendTextAsync(romeo.Number, "reply");
        await xmpp.ExpectAsync(e => e.Element(Client + "body")?.Value == "reply");
        await SyncAsync(xmpp, "s2");
        Assert.DoesNotContain(xmpp.Kept, e => e.Descendants().Any(d => d.Name.Namespace == Carbons));
    }

    [Fact]
    public async Task Mam_PagesTheOwnConversation_ByWithAndRsm_WithDelay_AndSeesNoOneElses()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await using var mercutio = await Server.RegisterAsync("mercutio");
        await romeo.BefriendAsync(juliet);
        await mercutio.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        var ids = new List<long>();
        for (var i = 1; i <= 5; i++) ids.Add((await native.SendTextAsync(romeo.Number, $"第{i}条 line {i}")).Message.Id);
        await native.SendTextAsync(mercutio.Number, "for Mercutio only");
        await using var xmpp = await XmppTestClient.LoginAsync(Server, romeo.Number);

        // The first page of two, oldest first.
        var (results, fin) = await QueryAsync(xmpp, "q1", $"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>{juliet.Number}@localhost</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set>");
        Assert.Equal([Id(ids[0]), Id(ids[1])], results.Select(r => (string?)r.Element(Mam + "result")!.Attribute("id")));
        var forwarded = results[0].Element(Mam + "result")!.Element(Forward + "forwarded")!;
        Assert.NotNull(forwarded.Element(XNamespace.Get("urn:xmpp:delay") + "delay")?.Attribute("stamp"));
        Assert.Equal("第1条 line 1", forwarded.Element(Client + "message")!.Element(Client + "body")!.Value);
        Assert.Null(fin.Attribute("complete"));
        Assert.Equal("5", fin.Element(Rsm + "set")!.Element(Rsm + "count")!.Value);
        var last = fin.Element(Rsm + "set")!.Element(Rsm + "last")!.Value;

        // After it: the rest, complete.
        (results, fin) = await QueryAsync(xmpp, "q2", $"<x xmlns='jabber:x:data' type='submit'><field var='with'><value>{juliet.Number}@localhost</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>10</max><after>{last}</after></set>");
        Assert.Equal(ids.Skip(2).Select(Id), results.Select(r => (string?)r.Element(Mam + "result")!.Attribute("id")));
        Assert.Equal("true", (string?)fin.Attribute("complete"));

        // The last page (<before/>): the newest two.
        (results, _) = await QueryAsync(xmpp, "q3", $"<x xmlns='jabber:x:data' type='submit'><field var='with'><value>{juliet.Number}@localhost</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set>");
        Assert.Equal(ids.Skip(3).Select(Id), results.Select(r => (string?)r.Element(Mam + "result")!.Attribute("id")));

        // Juliet and Mercutio's conversation is not Romeo's: nothing, with or without 'with'.
        (results, _) = await QueryAsync(xmpp, "q4", $"<x xmlns='jabber:x:data' type='submit'><field var='with'><value>{mercutio.Number}@localhost</value></field></x>");
        Assert.Empty(results);
        (results, fin) = await QueryAsync(xmpp, "q5", "");
        Assert.Equal(5, results.Count);
        Assert.DoesNotContain(results, r => r.Descendants(Client + "body").Any(b => b.Value == "for Mercutio only"));

        // A start after everything: empty and complete; a bad time is a bad request.
        (results, fin) = await QueryAsync(xmpp, "q6", $"<x xmlns='jabber:x:data' type='submit'><field var='start'><value>{DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</value></field></x>");
        Assert.Empty(results);
        Assert.Equal("true", (string?)fin.Attribute("complete"));
        await xmpp.SendAsync("<iq type='set' id='q7'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='start'><value>yesterday</value></field></x></query></iq>");
        Assert.Equal("error", (string?)(await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "q7")).Attribute("type"));
    }

    private static async Task<(List<XElement> Results, XElement Fin)> QueryAsync(XmppTestClient xmpp, string id, string content)
    {
        await xmpp.SendAsync($"<iq type='set' id='{id}'><query xmlns='urn:xmpp:mam:2' queryid='{id}'>{content}</query></iq>");
        var done = await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == id);
        Assert.Equal("result", (string?)done.Attribute("type"));
        var results = xmpp.TakeKept(e => (string?)e.Element(Mam + "result")?.Attribute("queryid") == id);
        return (results, done.Element(Mam + "fin")!);
    }
}
