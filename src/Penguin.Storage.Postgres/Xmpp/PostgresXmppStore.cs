using Penguin.Core.Xmpp;

namespace Penguin.Storage.Postgres;

public sealed class PostgresXmppStore(PostgresDatabase db) : IXmppStore
{
    public ValueTask<StoredScram?> GetScramAsync(long userId, ScramMechanism mechanism, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, """
            SELECT s.iterations, s.salt, s.stored_key, s.server_key, s.password_check, u.password_hash
            FROM xmpp_scram s JOIN users u ON u.id = s.user_id
            WHERE s.user_id = @u AND s.mechanism = @m AND u.deleted_at IS NULL
            """, r => new StoredScram(
                new ScramCredential(mechanism, r.GetInt32(0), r.GetFieldValue<byte[]>(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<byte[]>(3)),
                r.GetFieldValue<byte[]>(4), r.NullableString(5)),
            ("u", userId), ("m", (int)mechanism)), cancellationToken);

    public ValueTask<byte[]?> GetPasswordCheckAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, "SELECT password_check FROM xmpp_scram WHERE user_id = @u LIMIT 1",
            r => r.GetFieldValue<byte[]>(0), ("u", userId)), cancellationToken);

    public ValueTask SaveScramAsync(long userId, IReadOnlyList<ScramCredential> credentials, byte[] passwordCheck, CancellationToken cancellationToken = default) =>
        new(db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(tx, "DELETE FROM xmpp_scram WHERE user_id = @u", ("u", userId));
            foreach (var k in credentials)
                await c.ExecuteAsync(tx, """
                    INSERT INTO xmpp_scram (user_id, mechanism, iterations, salt, stored_key, server_key, password_check)
                    VALUES (@u, @m, @i, @s, @sk, @vk, @p)
                    """, ("u", userId), ("m", (int)k.Mechanism), ("i", k.Iterations), ("s", k.Salt), ("sk", k.StoredKey), ("vk", k.ServerKey), ("p", passwordCheck));
            return true;
        }, cancellationToken).AsTask());

    public async ValueTask<long> GetAckedSeqAsync(long userId, CancellationToken cancellationToken = default) =>
        await db.ReadAsync(c => c.ScalarAsync(null, "SELECT acked_seq FROM users WHERE id = @u", ("u", userId)), cancellationToken) ?? 0;

    public ValueTask<bool> CreateUploadSlotAsync(XmppUploadSlot slot, int maxOpen, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // The user's row, locked, serializes their slot requests so the count holds.
            await c.ExecuteAsync(tx, "SELECT 1 FROM users WHERE id = @u FOR UPDATE", ("u", slot.UserId));
            await c.ExecuteAsync(tx, "DELETE FROM xmpp_upload_slots WHERE user_id = @u AND file_id IS NULL AND expires_at <= @now", ("u", slot.UserId), ("now", now));
            if (await c.ScalarAsync(tx, "SELECT COUNT(*) FROM xmpp_upload_slots WHERE user_id = @u AND file_id IS NULL", ("u", slot.UserId)) >= maxOpen) return false;
            await c.ExecuteAsync(tx, """
                INSERT INTO xmpp_upload_slots (id, user_id, put_key_hash, name, size, content_type, expires_at)
                VALUES (@id, @u, @k, @n, @s, @t, @e)
                """, ("id", slot.Id), ("u", slot.UserId), ("k", slot.PutKeyHash), ("n", slot.Name), ("s", slot.Size), ("t", slot.ContentType), ("e", slot.ExpiresAt));
            return true;
        }, cancellationToken);

    public ValueTask<XmppUploadSlot?> GetUploadSlotAsync(string id, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingleAsync(null, """
            SELECT id, user_id, put_key_hash, name, size, content_type, expires_at, file_id FROM xmpp_upload_slots WHERE id = @id
            """, r => new XmppUploadSlot(r.GetString(0), r.GetInt64(1), r.GetFieldValue<byte[]>(2), r.GetString(3), r.GetInt64(4), r.GetString(5), r.Instant(6), r.NullableString(7)),
            ("id", id)), cancellationToken);

    public ValueTask<bool> SetUploadSlotFileAsync(string id, string fileId, CancellationToken cancellationToken = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(tx, "UPDATE xmpp_upload_slots SET file_id = @f WHERE id = @id AND file_id IS NULL", ("f", fileId), ("id", id)) == 1,
            cancellationToken);
}
