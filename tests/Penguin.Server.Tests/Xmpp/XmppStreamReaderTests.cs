using System.Text;
using System.Xml.Linq;
using Penguin.Server.Features.Xmpp;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>The XMPP parser on its own: what it accepts, what it refuses and with which stream error, and that no input crashes it.</summary>
public sealed class XmppStreamReaderTests
{
    private const string Header = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    private static XmppStreamReader ReaderOf(string xml, int maxBytes = 4096, int maxDepth = 16) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(xml)), maxBytes, maxDepth);

    private static async Task<List<XElement>> ReadAllAsync(string xml, int maxBytes = 4096, int maxDepth = 16)
    {
        using var reader = ReaderOf(xml, maxBytes, maxDepth);
        await reader.ReadHeaderAsync();
        var stanzas = new List<XElement>();
        while (await reader.ReadStanzaAsync() is { } stanza) stanzas.Add(stanza);
        return stanzas;
    }

    private static async Task<string> ConditionOfAsync(string xml, int maxBytes = 4096, int maxDepth = 16) =>
        (await Assert.ThrowsAsync<XmppStreamException>(() => ReadAllAsync(xml, maxBytes, maxDepth))).Condition;

    [Fact]
    public async Task Stanzas_AreReadOneByOneWithNamespacesAndText()
    {
        var stanzas = await ReadAllAsync(Header + " <message to='1@localhost' type='chat'><body>你好 &amp; &lt;hi&gt; &#x1F427;</body><x:y xmlns:x='urn:x'/></message>\n<presence/></stream:stream>");

        Assert.Equal(2, stanzas.Count);
        Assert.Equal(XName.Get("message", "jabber:client"), stanzas[0].Name);
        Assert.Equal("你好 & <hi> 🐧", stanzas[0].Element(XName.Get("body", "jabber:client"))!.Value);
        Assert.NotNull(stanzas[0].Element(XName.Get("y", "urn:x")));
        Assert.Equal(XName.Get("presence", "jabber:client"), stanzas[1].Name);
    }

    [Fact]
    public async Task Header_ReportsToVersionAndNamespace()
    {
        using var reader = ReaderOf(Header);
        var header = await reader.ReadHeaderAsync();
        Assert.Equal(("localhost", "1.0", "jabber:client"), (header.To, header.Version, header.DefaultNamespace));
    }

    [Fact]
    public async Task XmlBomb_IsRestrictedXml()
    {
        var bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>" + Header[21..] + "&lol2;";
        Assert.Equal("restricted-xml", await ConditionOfAsync(bomb));
    }

    [Theory]
    [InlineData("<!-- a comment --><presence/>")]
    [InlineData("<?pi data?><presence/>")]
    [InlineData("<message><!-- inside --></message>")]
    [InlineData("<message><body>&custom;</body></message>")]
    public async Task RestrictedConstructs_AreRefused(string body) =>
        Assert.Equal("restricted-xml", await ConditionOfAsync(Header + body));

    [Theory]
    [InlineData("<message><body>unclosed</message>")]
    [InlineData("<message to='a' to='b'/>")]
    [InlineData("<message>\u0001</message>")]
    [InlineData("stray text")]
    [InlineData("<a:b/>")]
    public async Task Malformed_IsNotWellFormed(string body) =>
        Assert.Equal("not-well-formed", await ConditionOfAsync(Header + body));

    [Fact]
    public async Task OversizedStanza_IsPolicyViolation() =>
        Assert.Equal("policy-violation", await ConditionOfAsync(Header + $"<message><body>{new string('x', 100_000)}</body></message>", maxBytes: 4096));

    [Fact]
    public async Task WhitespaceKeepalives_BetweenStanzas_AreSkipped()
    {
        var stanzas = await ReadAllAsync(Header + " \n <presence/> \t \n<presence/>" + new string(' ', 1000) + "</stream:stream>", maxBytes: 4096);
        Assert.Equal(2, stanzas.Count);
    }

    [Fact]
    public async Task WhitespaceRunBeyondTheLimit_IsPolicyViolation() =>
        Assert.Equal("policy-violation", await ConditionOfAsync(Header + new string(' ', 100_000) + "<presence/>", maxBytes: 4096));

    [Fact]
    public async Task DeepNesting_IsPolicyViolation() =>
        Assert.Equal("policy-violation", await ConditionOfAsync(Header + "<message>" + string.Concat(Enumerable.Repeat("<a>", 40)) + string.Concat(Enumerable.Repeat("</a>", 40)) + "</message>", maxDepth: 16));

    [Fact]
    public async Task EndlessDistinctNames_AcrossStanzasEachWithinTheLimit_ArePolicyViolation()
    {
        // Each stanza is small; together they declare more distinct names than one stream may keep.
        var stanzas = string.Concat(Enumerable.Range(0, 200).Select(i => $"<x{i} xmlns='urn:n{i}' a{i}='1' xmlns:p{i}='urn:p{i}'/>"));
        using var reader = new XmppStreamReader(new MemoryStream(Encoding.UTF8.GetBytes(Header + stanzas)), 4096, 16, maxNames: 100);
        await reader.ReadHeaderAsync();
        var read = 0;
        var error = await Assert.ThrowsAsync<XmppStreamException>(async () =>
        {
            while (await reader.ReadStanzaAsync() is not null) read++;
        });
        Assert.Equal("policy-violation", error.Condition);
        Assert.InRange(read, 10, 40); // a few names each: the budget is spent after some stanzas, not at once
    }

    [Fact]
    public async Task LongNames_SpendTheNameBudgetByTheirLength() =>
        Assert.Equal("policy-violation", (await Assert.ThrowsAsync<XmppStreamException>(async () =>
        {
            var stanzas = string.Concat(Enumerable.Range(0, 20).Select(i => $"<x{i}{new string('n', 1000)}/>"));
            using var reader = new XmppStreamReader(new MemoryStream(Encoding.UTF8.GetBytes(Header + stanzas)), 4096, 16, maxNames: 100);
            await reader.ReadHeaderAsync();
            while (await reader.ReadStanzaAsync() is not null) { }
        })).Condition);

    [Fact]
    public async Task TheSameNamesAgain_DoNotSpendTheNameBudget()
    {
        var stanzas = string.Concat(Enumerable.Repeat("<message to='1@localhost' type='chat' id='a'><body>hi</body><x:y xmlns:x='urn:x'/></message>", 500));
        using var reader = new XmppStreamReader(new MemoryStream(Encoding.UTF8.GetBytes(Header + stanzas + "</stream:stream>")), 4096, 16, maxNames: 100);
        await reader.ReadHeaderAsync();
        var read = 0;
        while (await reader.ReadStanzaAsync() is not null) read++;
        Assert.Equal(500, read);
    }

    private static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    private static readonly StanzaNames OnlyAuth = new([Sasl + "auth"], ["mechanism"], "not-authorized", "Authenticate first");

    [Fact]
    public async Task AllowedNames_OtherAttributesAreLeftOut_OtherElementsEndTheStream()
    {
        var xml = Header + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' made-up='1' xml:lang='en'>AAAA</auth><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><made-up/></auth>";
        using var reader = new XmppStreamReader(new MemoryStream(Encoding.UTF8.GetBytes(xml)), 4096, 16) { Allowed = OnlyAuth };
        await reader.ReadHeaderAsync();
        var auth = (await reader.ReadStanzaAsync())!;
        Assert.Equal(Sasl + "auth", auth.Name);
        Assert.Equal(["mechanism"], auth.Attributes().Select(a => a.Name.LocalName));
        Assert.Equal("AAAA", auth.Value);
        Assert.Equal("not-authorized", (await Assert.ThrowsAsync<XmppStreamException>(() => reader.ReadStanzaAsync())).Condition);
    }

    [Fact]
    public async Task AllowedNames_AnotherTopLevelElement_EndsTheStream() =>
        Assert.Equal("not-authorized", (await Assert.ThrowsAsync<XmppStreamException>(async () =>
        {
            using var reader = new XmppStreamReader(new MemoryStream(Encoding.UTF8.GetBytes(Header + "<message/>")), 4096, 16) { Allowed = OnlyAuth };
            await reader.ReadHeaderAsync();
            await reader.ReadStanzaAsync();
        })).Condition);

    [Fact]
    public async Task WrongStreamElement_IsInvalidNamespace() =>
        Assert.Equal("invalid-namespace", await ConditionOfAsync("<stream to='localhost' xmlns='jabber:client'>"));

    /// <summary>
    /// Random and mutated input never throws anything but a stream error or the end of input (the server ends that
    /// stream and nothing else). Inputs that once did are kept in <see cref="KeptCrashInputs"/>.
    /// </summary>
    [Fact]
    public async Task Fuzz_RandomAndMutatedInput_OnlyEverEndsTheStream()
    {
        var random = new Random(20261202);
        var seed = Encoding.UTF8.GetBytes(Header + "<message to='1@localhost' type='chat' id='a'><body>你好 &amp; hi</body><origin-id xmlns='urn:xmpp:sid:0' id='x'/></message><iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq><presence><show>away</show></presence></stream:stream>");
        string[] fragments = ["<", ">", "/>", "</", "&", "&amp;", "&#", ";", "'", "\"", "=", "<!DOCTYPE x>", "<![CDATA[", "]]>", "<!--", "-->", "<?", "?>", "xmlns='x'", "xmlns:a='b'", "a:", "\0", "\uFFFE", "\uD800", "</stream:stream>", "<stream:stream>"];
        for (var i = 0; i < 3000; i++)
        {
            var input = i % 10 == 0 ? RandomBytes(random) : Mutate(seed, random, fragments);
            await AssertOnlyStreamEndAsync(input);
        }
    }

    [Theory]
    [MemberData(nameof(KeptCrashInputs))]
    public async Task KeptCrashInputs_OnlyEndTheStream(string base64) => await AssertOnlyStreamEndAsync(Convert.FromBase64String(base64));

    /// <summary>Inputs the fuzz test once found crashing the parser, kept as regression tests (base64 of the bytes).</summary>
    public static TheoryData<string> KeptCrashInputs => new()
    {
        // A header that is one empty element: "<stream:stream .../>" must not leave a reader past the document.
        Convert.ToBase64String(Encoding.UTF8.GetBytes("<stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'/>")),
        // Found by the fuzz test: an invalid UTF-8 byte inside a body made reading the text (not the node) throw XmlException.
        "PD94bWwgdmVyc2lvbj0nMS4wJz8+PHN0cmVhbTpzdHJlYW0gdG89J2xvY2FsaG9zdCcgeG1sbnM9J2phYmJlcjpjbGllbnQnIHhtbG5zOnN0cmVhbT0naHR0cDovL2V0aGVyeC5qYWJiZXIub3JnL3N0cmVhbXMnIHZlcnNpb249JzEuMCc+PG1lc3NhZ2UgdG89JzFAbG9jYWxob3N0JyB0eXBlPSdjaGF0JyBpZD0nYSc+PGJvZHk+5L2g5aW9iSZhbXA7IGhpPC9ib2R5PjxvcmlnaW4taWQgeG1sbnM9J3Vybjp4bXBwOnNpZDowJyBpZD0neCcvPjwvbWVzc2FnZT48aXEgdHlwZT0nZ2V0JyBpZD0nMSc+PHF1ZXJ5IHhtbG5zPSdqYWJiZTxwcmVzZW5jZT48c2hvdz5hd2F5PC9zaG93PjwvcHJlc2VuY2U+PC9zdHJlYW06c3RyZWFtPg==",
        // Found by the fuzz test: a name with '@' after a deletion threw XmlException from outside the guarded read.
        "PD94bWwgdmVyc2lvbj0nMS4wJz8+PHN0cmVhbTpzdHJlYW0gdG89J2xvY2FsaG9zdCcgeG1sbnM9J2phYmJlcjpjbGllbnQnIHhtbG5zOnN0cmVhbT0naHR0cDovL2V0aGVyeC5qYWJiZXIub3JnL3N0cmVhbXMnIHZlcnNpb249JzEuMCc+PG1lQGxvY2FsaG9zdCcgdHlwZT0nY2hhdCcgaWQ9J2EnPjxib2R5PuS9oOWlvSAmYW1wOyBoaTwvYm9keT48b3JpZ2luLWlkIHhtbG5zPSd1cm46eG1wcDpzaWQ6MCcgaWQ9J3gnLz48L21lc3NhZ2U+PGlxIHR5cGU9J2dldCcgaWQ9JzEnPjxxdWVyeSB4bWx0bz0nMUBsb2NhbnM9J2phYmJlcjppcTpyb3N0ZXInLz48L2lxPjxwcmVzZW5jZT48c2hvdz5hd2F5PC9zaG93PjwvcHJlc2VuY2U+PC9zdHJlYW06c3RyZWFtPg==",
        // Found while testing: an undeclared prefix ("<a:b/>") threw XmlException from the element's names.
        Convert.ToBase64String(Encoding.UTF8.GetBytes("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><a:b/>")),
    };

    private static async Task AssertOnlyStreamEndAsync(byte[] input)
    {
        using var reader = new XmppStreamReader(new MemoryStream(input), 4096, 16);
        try
        {
            await reader.ReadHeaderAsync();
            for (var n = 0; n < 1000 && await reader.ReadStanzaAsync() is not null; n++) { }
        }
        catch (Exception e) when (e is XmppStreamException or EndOfStreamException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"Input {Convert.ToBase64String(input)} threw {e.GetType().Name}: {e.Message}");
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(byte[] seed, Random random, string[] fragments)
    {
        var text = new List<byte>(seed);
        for (var m = random.Next(1, 6); m > 0; m--)
        {
            var at = random.Next(0, text.Count);
            switch (random.Next(4))
            {
                case 0: text.RemoveRange(at, Math.Min(random.Next(1, 20), text.Count - at)); break;
                case 1: text.InsertRange(at, Encoding.UTF8.GetBytes(fragments[random.Next(fragments.Length)])); break;
                case 2: text[at] = (byte)random.Next(256); break;
                default: text.InsertRange(at, text.GetRange(random.Next(0, text.Count - 10), 10)); break;
            }
        }
        return [.. text];
    }
}
