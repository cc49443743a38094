using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Penguin.Server.Tests.Xmpp;

/// <summary>XEP-0363 HTTP File Upload over Penguin's files, over real TCP and HTTP: the same limits as a native upload.</summary>
public sealed class XmppUploadTests
{
    private static readonly XNamespace Upload = "urn:xmpp:http:upload:0";
    private static readonly XNamespace DiscoInfo = "http://jabber.org/protocol/disco#info";
    private static readonly XNamespace DiscoItems = "http://jabber.org/protocol/disco#items";
    private static readonly XNamespace DataForms = "jabber:x:data";

    private static Task<TestServer> StartAsync() => TestServer.StartAsync(o =>
    {
        o.Xmpp.Enabled = true;
        o.Xmpp.Port = 0;
        o.Files.MaxFileBytes = 4000;
        o.Files.QuotaBytes = 5000;
        o.Files.MaxUploadsPerUser = 3;
    });

    private static async Task<XElement> SlotAsync(XmppTestClient xmpp, string id, string name, long size, string type)
    {
        await xmpp.SendAsync($"<iq type='get' id='{id}' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='{name}' size='{size}' content-type='{type}'/></iq>");
        return await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == id);
    }

    private static string Condition(XElement reply) => reply.Element(XmppTestClient.Client + "error")!.Elements().First().Name.LocalName;

    private static async Task<HttpResponseMessage> PutAsync(string url, byte[] bytes, string type)
    {
        using var http = new HttpClient();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        return await http.PutAsync(url, content);
    }

    [Fact]
    public async Task Slot_PutThenGet_TheBytesAreAPenguinFile_AndTheSlotTakesOnePut()
    {
        await using var server = await StartAsync();
        await using var romeo = await server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number);

        // Discovery: the service is an item of the server; its info says the largest file.
        await xmpp.SendAsync("<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        Assert.Contains((await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "d1")).Element(DiscoItems + "query")!.Elements(),
            i => (string?)i.Attribute("jid") == "upload.localhost");
        await xmpp.SendAsync("<iq type='get' id='d2' to='upload.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var info = (await xmpp.ExpectAsync(e => (string?)e.Attribute("id") == "d2")).Element(DiscoInfo + "query")!;
        Assert.Contains(info.Elements(DiscoInfo + "feature"), f => (string?)f.Attribute("var") == "urn:xmpp:http:upload:0");
        Assert.Equal("4000", info.Element(DataForms + "x")!.Elements(DataForms + "field").Single(f => (string?)f.Attribute("var") == "max-file-size").Value);

        var bytes = Encoding.UTF8.GetBytes("床前明月光 — moonlight before my bed");
        var slot = (await SlotAsync(xmpp, "s1", "诗 poem.txt", bytes.Length, "text/plain")).Element(Upload + "slot")!;
        var put = (string)slot.Element(Upload + "put")!.Attribute("url")!;
        var get = (string)slot.Element(Upload + "get")!.Attribute("url")!;
        Assert.StartsWith(server.Url + "/xmpp-upload/", put, StringComparison.Ordinal);
        Assert.StartsWith(server.Url + "/xmpp-upload/", get, StringComparison.Ordinal);

        // Before the PUT there is nothing to get.
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(get)).StatusCode);
        using (var created = await PutAsync(put, bytes, "text/plain")) Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Anyone with the link gets the bytes (no token), served safely.
        using var fetched = await http.GetAsync(get);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", fetched.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("attachment", fetched.Content.Headers.ContentDisposition!.DispositionType);

        // The slot takes one PUT: another body at the same URL is refused and the file stays.
        using (var again = await PutAsync(put, Encoding.UTF8.GetBytes(new string('x', bytes.Length)), "text/plain")) Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Equal(bytes, await http.GetByteArrayAsync(get));
    }

    [Fact]
    public async Task Slot_Refusals_TooLarge_WrongKey_WrongLength_NotAPicture_Quota_TooManySlots_StoreNothing()
    {
        await using var server = await StartAsync();
        await using var romeo = await server.RegisterAsync("romeo");
        await using var xmpp = await XmppTestClient.LoginAsync(server, romeo.Number);
        using var http = new HttpClient();

        var tooLarge = await SlotAsync(xmpp, "t1", "big.bin", 4001, "application/octet-stream");
        Assert.Equal("not-acceptable", Condition(tooLarge));
        Assert.Equal("4000", tooLarge.Descendants(Upload + "max-file-size").Single().Value);
        Assert.Equal("bad-request", Condition(await SlotAsync(xmpp, "t2", "a/b.txt", 10, "text/plain"))); // not a file name
        Assert.Equal("bad-request", Condition(await SlotAsync(xmpp, "t3", "a.txt", -1, "text/plain")));

        // A wrong key, a body of the wrong length: refused, the slot still unused.
        var bytes = RandomNumberGenerator.GetBytes(3000);
        var slot = (await SlotAsync(xmpp, "p1", "data.bin", bytes.Length, "application/octet-stream")).Element(Upload + "slot")!;
        var put = (string)slot.Element(Upload + "put")!.Attribute("url")!;
        var get = (string)slot.Element(Upload + "get")!.Attribute("url")!;
        var parts = put.Split('/');
        parts[^2] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        using (var wrongKey = await PutAsync(string.Join('/', parts), bytes, "application/octet-stream")) Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        using (var shorter = await PutAsync(put, bytes[..100], "application/octet-stream")) Assert.Equal(HttpStatusCode.BadRequest, shorter.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(get)).StatusCode);
        using (var ok = await PutAsync(put, bytes, "application/octet-stream")) Assert.Equal(HttpStatusCode.Created, ok.StatusCode);

        // A "picture" that is not one, by its content: refused like a native upload.
        var fake = (await SlotAsync(xmpp, "p2", "face.jpg", 500, "image/jpeg")).Element(Upload + "slot")!;
        using (var notPicture = await PutAsync((string)fake.Element(Upload + "put")!.Attribute("url")!, RandomNumberGenerator.GetBytes(500), "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, notPicture.StatusCode);
            Assert.Contains("type_mismatch", await notPicture.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync((string)fake.Element(Upload + "get")!.Attribute("url")!)).StatusCode);

        // The quota (5,000 bytes, 3,000 used): the slot is given, the PUT is refused, nothing is stored.
        var over = (await SlotAsync(xmpp, "p3", "more.bin", 3000, "application/octet-stream")).Element(Upload + "slot")!;
        using (var quota = await PutAsync((string)over.Element(Upload + "put")!.Attribute("url")!, RandomNumberGenerator.GetBytes(3000), "application/octet-stream"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, quota.StatusCode);
            Assert.Contains("quota_exceeded", await quota.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync((string)over.Element(Upload + "get")!.Attribute("url")!)).StatusCode);

        // Open (unused) slots are limited like uploads in progress (3): p2 and p3 are still open, one more fits, then no more.
        Assert.NotNull((await SlotAsync(xmpp, "p4", "x.bin", 1, "application/octet-stream")).Element(Upload + "slot"));
        Assert.Equal("resource-constraint", Condition(await SlotAsync(xmpp, "p5", "y.bin", 1, "application/octet-stream")));
    }
}
