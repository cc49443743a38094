using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using Penguin.Core.Accounts;
using Penguin.Protocol;
using static Penguin.Server.Features.Xmpp.XmppNames;

namespace Penguin.Server.Features.Xmpp;

/// <summary>
/// XEP-0054 vcard-temp ↔ the profile, and XEP-0153 avatar hashes in contacts' presence. A vCard shows what the native
/// profile shows this viewer (a stranger sees only what the owner shows strangers); PHOTO is the uploaded avatar's
/// JPEG. Setting one's vCard changes the nickname (NICKNAME, else FN), the signature (DESC) and, from PHOTO's BINVAL,
/// the avatar, made exactly as from an HTTP upload (a picture by its content, bounded square JPEG).
/// </summary>
internal sealed partial class XmppConnection
{
    /// <summary>
    /// Contacts' avatars (profile avatar names), for XEP-0153 hashes: from the buddy list, then profile updates. Written
    /// by the reader (initial presence) and the delivery pump, hence concurrent.
    /// </summary>
    private readonly ConcurrentDictionary<long, string> _contactAvatars = new();

    /// <summary>The last presence sent of each contact, sent again with the new hash when their avatar changes.</summary>
    private readonly ConcurrentDictionary<long, UserPresence> _contactPresence = new();

    /// <summary>A vCard iq: get one's own (no 'to', or one's bare JID) or a user's (their bare JID); set one's own.</summary>
    private async Task VCardAsync(XElement iq, string type, XElement card, string? to)
    {
        var number = to is null ? _userId : Jid.Parse(to) is { Resource: null } jid ? jid.NumberAt(Domain) : null;
        if (number is null)
            await WriteAsync(IqError(iq, "cancel", "item-not-found", null));
        else if (type == "get")
            await VCardGetAsync(iq, number.Value);
        else if (number == _userId)
            await VCardSetAsync(iq, card);
        else
            await WriteAsync(IqError(iq, "auth", "forbidden", "Only your own vCard can be set / 只能修改自己的名片"));
    }

    private async Task VCardGetAsync(XElement iq, long number)
    {
        var profile = await _services.Social.GetProfileAsync(_userId, number, _closed.Token);
        if (!profile.IsOk)
        {
            await WriteAsync(IqError(iq, "cancel", "item-not-found", TextOf(profile.Error)));
            return;
        }
        var p = profile.Value;
        var card = new XElement(VCard + "vCard", new XElement(VCard + "FN", p.Nickname), new XElement(VCard + "NICKNAME", p.Nickname));
        if (p.Signature is { Length: > 0 } signature) card.Add(new XElement(VCard + "DESC", signature));
        if (p.Birthday is { } birthday) card.Add(new XElement(VCard + "BDAY", birthday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        if (p.Region is { } region && (region.Province ?? region.City) is not null)
            card.Add(new XElement(VCard + "ADR", new XElement(VCard + "HOME"),
                region.City is null ? null : new XElement(VCard + "LOCALITY", region.City),
                region.Province is null ? null : new XElement(VCard + "REGION", region.Province)));
        if (await AvatarBytesAsync(p.Avatar) is { } photo)
            card.Add(new XElement(VCard + "PHOTO", new XElement(VCard + "TYPE", "image/jpeg"), new XElement(VCard + "BINVAL", Convert.ToBase64String(photo))));
        await WriteAsync(Result(iq, card));
    }

    /// <summary>
    /// Everything is checked before anything changes: a bad nickname or signature changes nothing; the photo becomes the
    /// avatar first (refused pictures change nothing), then the nickname and signature. Fields not mapped are ignored;
    /// a vCard without PHOTO leaves the avatar as it is.
    /// </summary>
    private async Task VCardSetAsync(XElement iq, XElement card)
    {
        var nickname = NonEmpty(card.Element(VCard + "NICKNAME")?.Value) ?? NonEmpty(card.Element(VCard + "FN")?.Value);
        var signature = card.Element(VCard + "DESC")?.Value.Trim();
        var invalid = (nickname is null ? null : Validation.Nickname(nickname)) ?? Validation.Text(signature, Limits.SignatureMaxLength, "signature");
        if (invalid is not null)
        {
            await WriteAsync(IqError(iq, "modify", "not-acceptable", TextOf(invalid)));
            return;
        }
        if (card.Element(VCard + "PHOTO") is { } photo && photo.Element(VCard + "BINVAL") is { } binval)
        {
            if (Base64(binval.Value) is not { Length: > 0 } bytes)
            {
                await WriteAsync(IqError(iq, "modify", "bad-request", "PHOTO's BINVAL must be base64 / 头像须为 base64 编码"));
                return;
            }
            var contentType = NonEmpty(photo.Element(VCard + "TYPE")?.Value) ?? "image/jpeg";
            using var body = new MemoryStream(bytes, writable: false);
            var stored = await _services.Uploads.StoreAsync(_userId, "vcard-photo", contentType, body, _closed.Token);
            var avatar = stored.IsOk ? await _services.Avatars.SetUserAvatarAsync(_userId, stored.Value.Id, _closed.Token) : stored.Error;
            if (!avatar.IsOk)
            {
                await WriteAsync(IqError(iq, "modify", "not-acceptable", TextOf(avatar.Error)));
                return;
            }
        }
        if (nickname is not null || signature is not null)
        {
            var updated = await _services.Accounts.UpdateProfileAsync(_userId, new UpdateProfileRequest(Nickname: nickname, Signature: signature), _closed.Token);
            if (!updated.IsOk)
            {
                await WriteAsync(IqError(iq, "modify", "not-acceptable", TextOf(updated.Error)));
                return;
            }
        }
        await WriteAsync(Result(iq, null));
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>An uploaded avatar's JPEG; null for a built-in avatar (its picture is the clients', not the server's).</summary>
    private async Task<byte[]?> AvatarBytesAsync(string avatar) =>
        Avatars.UploadedSha256(avatar) is { } sha256 ? await _services.Avatars.GetAsync(sha256, _closed.Token) : null;

    /// <summary>XEP-0153: the SHA-1 of a contact's avatar picture, "" for none (a built-in avatar); null when unknown.</summary>
    private async Task<string?> PhotoHashAsync(long number)
    {
        if (!_contactAvatars.TryGetValue(number, out var avatar)) return null;
        if (Avatars.UploadedSha256(avatar) is not { } sha256) return "";
        if (_services.PhotoHashes.TryGetValue(sha256, out var known)) return known;
        if (await _services.Avatars.GetAsync(sha256, _closed.Token) is not { } bytes) return "";
#pragma warning disable CA5350 // XEP-0153 names SHA-1 for the photo hash; it identifies, it protects nothing.
        var hash = Convert.ToHexStringLower(SHA1.HashData(bytes));
#pragma warning restore CA5350
        if (_services.PhotoHashes.Count >= XmppServices.PhotoHashCapacity) _services.PhotoHashes.Clear();
        _services.PhotoHashes[sha256] = hash;
        return hash;
    }

    /// <summary>The contacts' avatars, read with the buddy list at initial presence.</summary>
    private async Task LoadContactAvatarsAsync()
    {
        var list = await _services.Social.GetBuddyListAsync(_userId, _closed.Token);
        foreach (var friend in list.Friends) _contactAvatars[friend.Profile.Number] = friend.Profile.Avatar;
    }

    /// <summary>A contact's new avatar: their presence again, with the new hash (XEP-0153 §4.1).</summary>
    private async Task ContactProfileUpdatedAsync(Profile profile)
    {
        if (_contactAvatars.TryGetValue(profile.Number, out var old) && old == profile.Avatar) return;
        _contactAvatars[profile.Number] = profile.Avatar;
        if (_available && _contactPresence.TryGetValue(profile.Number, out var presence) && presence.Status > PresenceStatus.Invisible)
            await WriteAsync(await PresenceStanzaAsync(presence));
    }
}
