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
}
