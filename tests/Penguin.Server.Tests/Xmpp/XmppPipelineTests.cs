using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Penguin.Protocol;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>
/// The stream reads ahead while earlier stanzas are stored, and the hot stanzas are written without a DOM: over real
/// TCP, a burst of sends in one write is stored, answered and delivered in the order sent, text that XML must escape
/// arrives exactly as written (to XMPP and native recipients), and a stanza that is not well formed after good ones
/// ends the stream only after the good ones were handled.
/// </summary>
public sealed class XmppPipelineTests(XmppServerFixture fixture) : IClassFixture<XmppServerFixture>
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Sid = "urn:xmpp:sid:0";
    private TestServer Server => fixture.Server;

    /// <summary>Text every escaping rule applies to: markup, both quotes, an ampersand, line breaks and a tab.</summary>
    private static string Body(int i) => $"#{i} <b>\"罗密欧\" & 'Juliet'</b>\r\nline two\tend ]]>";

    // By hand: XText.ToString() turns "\r\n" into the platform's new line before a CR could be kept as &#xD;.
    private static string Escaped(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\r", "&#xD;", StringComparison.Ordinal);

    [Fact]
    public async Task ABurstInOneWrite_IsAnsweredAndDeliveredInOrder_WithTheTextExactlyAsSent()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var sender = await XmppTestClient.LoginAsync(Server, romeo.Number);
        await using var receiver = await XmppTestClient.LoginAsync(Server, juliet.Number);
        await receiver.SendAsync("<presence/>");
        const int count = 40;

        var burst = new StringBuilder();
        for (var i = 0; i < count; i++)
            burst.Append(CultureInfo.InvariantCulture, $"<message type='chat' to='{juliet.Number}@localhost' id='b-{i}'><body>{Escaped(Body(i))}</body></message>");
        await sender.SendBytesAsync(Encoding.UTF8.GetBytes(burst.ToString()));

        for (var i = 0; i < count; i++)
        {
            var answer = await sender.ExpectAsync(e => e.Element(Sid + "stanza-id") is not null && e.Element(Client + "body") is null);
            Assert.Equal($"b-{i}", (string?)answer.Attribute("id"));
            Assert.Equal($"b-{i}", (string?)answer.Element(Sid + "origin-id")!.Attribute("id"));
        }
        for (var i = 0; i < count; i++)
        {
            var delivered = await receiver.ExpectAsync(e => e.Element(Client + "body") is not null);
            Assert.Equal(Body(i), delivered.Element(Client + "body")!.Value);
            Assert.Equal($"{romeo.Number}@localhost/penguin", (string?)delivered.Attribute("from"));
        }
        for (var i = 0; i < count; i++)
            Assert.Equal(Body(i), (await native.WaitForAsync<MessageReceived>(m => m.Message.ClientId == $"b-{i}")).Message.Text);
    }

    [Fact]
    public async Task MalformedAfterGoodStanzas_TheGoodOnesAreHandledFirst_ThenTheStreamEnds()
    {
        await using var romeo = await Server.RegisterAsync("romeo");
        await using var juliet = await Server.RegisterAsync("juliet");
        await romeo.BefriendAsync(juliet);
        var native = await juliet.ConnectAsync();
        await using var sender = await XmppTestClient.LoginAsync(Server, romeo.Number);

        await sender.SendAsync($"<message type='chat' to='{juliet.Number}@localhost' id='g-1'><body>one</body></message>"
            + $"<message type='chat' to='{juliet.Number}@localhost' id='g-2'><body>two</body></message>"
            + "<message><body>broken</bod></message>");

        Assert.Equal("not-well-formed", await sender.StreamErrorAsync());
        Assert.Equal(["g-1", "g-2"], sender.TakeKept(e => e.Element(Sid + "stanza-id") is not null).Select(e => (string?)e.Attribute("id")));
        Assert.Equal("one", (await native.WaitForAsync<MessageReceived>(m => m.Message.ClientId == "g-1")).Message.Text);
        Assert.Equal("two", (await native.WaitForAsync<MessageReceived>(m => m.Message.ClientId == "g-2")).Message.Text);
        Assert.Equal(2, (await juliet.Rest.GetHistoryAsync(romeo.Number)).Messages.Count(m => m.From == romeo.Number));
    }
}
