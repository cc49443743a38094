using System.Text;
using Penguin.Load.Measurement;
using Penguin.Load.Net;
using Penguin.Load.Scenarios;

namespace Penguin.Load.Tests;

/// <summary>The XMPP load device's reader and writer: elements cut from a byte stream, the fields the accounting reads, SCRAM-SHA-1.</summary>
public class XmppScannerTests
{
    private static (XmppPiece Piece, string Text, int Length) Next(string data)
    {
        var bytes = Encoding.UTF8.GetBytes(data);
        var piece = XmppScanner.Next(bytes, out var start, out var length);
        return (piece, piece == XmppPiece.Incomplete ? "" : Encoding.UTF8.GetString(bytes, start, length - start), length);
    }

    [Fact]
    public void Next_ServerGreeting_DeclarationThenStreamOpenThenFeatures()
    {
        const string greeting = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' from='localhost' version='1.0'>"
            + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";
        var bytes = Encoding.UTF8.GetBytes(greeting);
        var pieces = new List<(XmppPiece, string)>();
        var at = 0;
        while (true)
        {
            var piece = XmppScanner.Next(bytes.AsSpan(at), out var start, out var length);
            if (piece == XmppPiece.Incomplete) break;
            pieces.Add((piece, Encoding.UTF8.GetString(bytes, at + start, length - start)));
            at += length;
        }

        Assert.Equal(bytes.Length, at);
        Assert.Equal([XmppPiece.Skip, XmppPiece.StreamOpen, XmppPiece.Element], pieces.Select(p => p.Item1));
        Assert.StartsWith("<stream:features>", pieces[2].Item2, StringComparison.Ordinal);
        Assert.EndsWith("</stream:features>", pieces[2].Item2, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_EveryCutOfAStanza_IncompleteUntilItsLastByte()
    {
        const string stanza = "<message from='a@x/r' to='b@x' type='chat' id='m1'><body>压测 L0-1~abc 你好</body><x a='&gt;'/></message>";
        var bytes = Encoding.UTF8.GetBytes(stanza + "<presence/>");
        var end = Encoding.UTF8.GetByteCount(stanza);

        for (var cut = 0; cut < end; cut++)
            Assert.Equal(XmppPiece.Incomplete, XmppScanner.Next(bytes.AsSpan(0, cut), out _, out _));
        Assert.Equal(XmppPiece.Element, XmppScanner.Next(bytes, out var start, out var length));
        Assert.Equal(0, start);
        Assert.Equal(end, length);
    }

    [Fact]
    public void Next_GreaterThanInsideAQuotedAttribute_DoesNotEndTheTag()
    {
        var (piece, text, _) = Next("<iq type='get' id='a>b' from=\"x>y\"><ping xmlns='urn:xmpp:ping'/></iq> ");

        Assert.Equal(XmppPiece.Element, piece);
        Assert.Equal("<iq type='get' id='a>b' from=\"x>y\"><ping xmlns='urn:xmpp:ping'/></iq>", text);
    }

    [Fact]
    public void Next_SelfClosingStanzaAfterWhitespace_OneElement()
    {
        var (piece, text, length) = Next("\r\n <presence from='a@x/r'/><message/>");

        Assert.Equal(XmppPiece.Element, piece);
        Assert.Equal("<presence from='a@x/r'/>", text);
        Assert.Equal(27, length);
    }

    [Fact]
    public void Next_NestedSameNameAndCdata_EndsAtTheOuterClose()
    {
        var (piece, text, _) = Next("<message><x><x/></x><body><![CDATA[<not a tag>]]></body></message><iq/>");

        Assert.Equal(XmppPiece.Element, piece);
        Assert.Equal("<message><x><x/></x><body><![CDATA[<not a tag>]]></body></message>", text);
    }

    [Fact]
    public void Next_StreamEnd_StreamClose()
    {
        Assert.Equal(XmppPiece.StreamClose, Next("</stream:stream>").Piece);
        Assert.Equal(XmppPiece.Skip, Next("  \n").Piece);
        Assert.Equal(XmppPiece.Incomplete, Next("").Piece);
        Assert.Equal(XmppPiece.Incomplete, Next("<").Piece);
    }

    [Fact]
    public void Next_TextOutsideElementsOrStrayEndTag_Refused()
    {
        Assert.Throws<FormatException>(() => Next("hello<presence/>"));
        Assert.Throws<FormatException>(() => Next("</message>"));
    }

    [Fact]
    public void TryAttribute_EitherQuote_OnlyTheStartTagAndWholeNames()
    {
        var iq = "<iq type=\"get\" xml:id='no' id = 'p1' from='localhost'><query id='inner'/></iq>"u8;

        Assert.True(XmppScanner.TryAttribute(iq, "type"u8, out var type));
        Assert.Equal("get", Encoding.UTF8.GetString(type));
        Assert.True(XmppScanner.TryAttribute(iq, "id"u8, out var id));
        Assert.Equal("p1", Encoding.UTF8.GetString(id));
        Assert.True(XmppScanner.TryAttribute(iq, "from"u8, out var from));
        Assert.Equal("localhost", Encoding.UTF8.GetString(from));
        Assert.False(XmppScanner.TryAttribute("<iq type='get'><query to='x'/></iq>"u8, "to"u8, out _));
        Assert.Equal("iq", Encoding.UTF8.GetString(XmppScanner.NameOf(iq)));
    }

    [Fact]
    public void TryBody_WithAttributesOrEmpty_AndNoneInAnEcho()
    {
        Assert.True(XmppScanner.TryBody("<message><bodyx>no</bodyx><body xml:lang='en'>hi</body></message>"u8, out var text));
        Assert.Equal("hi", Encoding.UTF8.GetString(text));
        Assert.True(XmppScanner.TryBody("<message><body/></message>"u8, out var empty));
        Assert.True(empty.IsEmpty);
        // Penguin's echo of a sent message to its sender: no body, not a delivery.
        Assert.False(XmppScanner.TryBody("<message from='1@x'><stanza-id xmlns='urn:xmpp:sid:0' id='5' by='1@x'/><origin-id xmlns='urn:xmpp:sid:0' id='L0-1~ab'/></message>"u8, out _));
    }

    [Fact]
    public void Compose_ThenReadBack_TheClientIdRoundTripsThroughTheBody()
    {
        Span<byte> id = stackalloc byte[MessageLedger.MaxClientIdBytes];
        var idLength = MessageLedger.WriteClientId(id, 7, 42);
        Span<byte> xml = stackalloc byte[1024];

        var length = XmppSender.Compose(xml, "<message to='b@localhost' type='chat' id='"u8, id[..idLength]);

        var stanza = xml[..length];
        Assert.Equal(XmppPiece.Element, XmppScanner.Next(stanza, out _, out var consumed));
        Assert.Equal(length, consumed);
        Assert.True(XmppScanner.TryAttribute(stanza, "id"u8, out var attribute));
        Assert.True(attribute.SequenceEqual(id[..idLength]));
        Assert.True(XmppScanner.TryBody(stanza, out var body));
        Assert.True(XmppScanner.TryClientIdInText(body, out var clientId));
        Assert.True(MessageLedger.TryParseClientId(clientId, out var stream, out var number));
        Assert.Equal((7, 42L), (stream, number));
        Assert.Equal(MessageTraffic.Text(MessageLedger.ClientId(7, 42)), Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void TryClientIdInText_TextWithoutAnId_False() =>
        Assert.False(XmppScanner.TryClientIdInText("你好 hello"u8, out _));

    [Fact]
    public void ScramSha1_Rfc5802Example_ProofAndServerSignature()
    {
        var scram = new ScramSha1Client("user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        static string Text(string b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64));

        Assert.Equal("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", Text(scram.ClientFirst()));
        var final = scram.ClientFinal(B64("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
        Assert.Equal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Text(final));
        Assert.True(scram.VerifyServerFinal(B64("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")));
        Assert.False(scram.VerifyServerFinal(B64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")));
    }

    [Fact]
    public void ScramSha1_ServerNonceNotExtendingOurs_Refused()
    {
        var scram = new ScramSha1Client("user", "pencil", "abc");
        scram.ClientFirst();

        Assert.Throws<IOException>(() => scram.ClientFinal(Convert.ToBase64String("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096"u8.ToArray())));
    }
}
