namespace Penguin.Core.Xmpp;

/// <summary>Storage of the XMPP front end: the SCRAM credentials of each account, where its devices' acknowledgements reached, and XEP-0363 upload slots.</summary>
public interface IXmppStore
{
    /// <summary>The account's credential for <paramref name="mechanism"/>, with its freshness check; null when none was derived.</summary>
    ValueTask<StoredScram?> GetScramAsync(long userId, ScramMechanism mechanism, CancellationToken cancellationToken = default);

    /// <summary>The fingerprint the account's credentials were derived with (any mechanism), null when there are none.</summary>
    ValueTask<byte[]?> GetPasswordCheckAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Replaces every SCRAM credential of the account (all mechanisms at once).</summary>
    ValueTask SaveScramAsync(long userId, IReadOnlyList<ScramCredential> credentials, byte[] passwordCheck, CancellationToken cancellationToken = default);

    /// <summary>The highest event seq any device of the user acknowledged (0 for none): what an XMPP login's offline delivery starts after.</summary>
    ValueTask<long> GetAckedSeqAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves a new slot unless the user already has <paramref name="maxOpen"/> unused, unexpired ones (then false); the
    /// user's unused expired slots are deleted on the way.
    /// </summary>
    ValueTask<bool> CreateUploadSlotAsync(XmppUploadSlot slot, int maxOpen, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<XmppUploadSlot?> GetUploadSlotAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records the file a slot's bytes became; false when the slot already has one (a PUT is accepted once).</summary>
    ValueTask<bool> SetUploadSlotFileAsync(string id, string fileId, CancellationToken cancellationToken = default);
}
