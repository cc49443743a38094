using System.Globalization;
using System.Xml.Linq;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0363 HTTP File Upload: the service <c>upload.&lt;domain&gt;</c> (listed in the server's disco#items) gives slots
/// whose bytes become Penguin files (<see cref="XmppUploads"/>); its disco#info says the largest file.
/// </summary>
internal sealed partial class XmppConnection
{
    private string UploadService => "upload." + Domain;

    private bool IsUploadService(string? to) => string.Equals(to, UploadService, StringComparison.OrdinalIgnoreCase);

    private async Task UploadIqAsync(XElement iq, string type, XElement payload)
    {
        if (type == "get" && payload.Name == DiscoInfo + "query" && (string?)payload.Attribute("node") is null)
            await WriteAsync(Result(iq, UploadDiscoInfo()));
        else if (type == "get" && payload.Name == DiscoItems + "query")
            await WriteAsync(Result(iq, new XElement(DiscoItems + "query")));
        else if (type == "get" && payload.Name == HttpUpload + "request")
            await SlotAsync(iq, payload);
        else
            await WriteAsync(IqError(iq, "cancel", "feature-not-implemented", null));
    }

    private XElement UploadDiscoInfo() => new(DiscoInfo + "query",
        new XElement(DiscoInfo + "identity", new XAttribute("category", "store"), new XAttribute("type", "file"), new XAttribute("name", "Penguin files / 企鹅文件")),
        new XElement(DiscoInfo + "feature", new XAttribute("var", HttpUpload.NamespaceName)),
        new XElement(DataForms + "x", new XAttribute("type", "result"),
            new XElement(DataForms + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(DataForms + "value", HttpUpload.NamespaceName)),
            new XElement(DataForms + "field", new XAttribute("var", "max-file-size"),
                new XElement(DataForms + "value", _services.Uploads.MaxFileBytes.ToString(CultureInfo.InvariantCulture)))));

    /// <summary>A slot (XEP-0363 §4): a file too large gets not-acceptable with &lt;file-too-large&gt;; too many open slots resource-constraint.</summary>
    private async Task SlotAsync(XElement iq, XElement request)
    {
        if (!long.TryParse((string?)request.Attribute("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            await WriteAsync(IqError(iq, "modify", "bad-request", "'size' must be a number of bytes / “size”须为字节数"));
            return;
        }
        var slot = await _services.Uploads.CreateSlotAsync(_userId, (string?)request.Attribute("filename"), size, (string?)request.Attribute("content-type"), _closed.Token);
        if (slot.IsOk)
        {
            await WriteAsync(Result(iq, new XElement(HttpUpload + "slot",
                new XElement(HttpUpload + "put", new XAttribute("url", slot.Value.Put)),
                new XElement(HttpUpload + "get", new XAttribute("url", slot.Value.Get)))));
            return;
        }
        var error = slot.Error;
        if (error.Code == FileErrors.FileTooLarge.Code)
        {
            var reply = IqError(iq, "modify", "not-acceptable", TextOf(error));
            reply.Element(Client + "error")!.Add(new XElement(HttpUpload + "file-too-large",
                new XElement(HttpUpload + "max-file-size", _services.Uploads.MaxFileBytes.ToString(CultureInfo.InvariantCulture))));
            await WriteAsync(reply);
        }
        else if (error.Code == FileErrors.TooManyUploads.Code)
            await WriteAsync(IqError(iq, "wait", "resource-constraint", TextOf(error)));
        else
            await WriteAsync(IqError(iq, "modify", "bad-request", TextOf(error)));
    }
}
