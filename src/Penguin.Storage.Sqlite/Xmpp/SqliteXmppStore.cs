using Penguin.Core.Xmpp;

namespace Penguin.Storage.Sqlite;

public sealed class SqliteXmppStore(SqliteDatabase db) : IXmppStore
{
    public ValueTask<StoredScram?> GetScramAsync(long userId, ScramMechanism mechanism, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, """
            SELECT s.iterations, s.salt, s.stored_key, s.server_key, s.password_check, u.password_hash
            FROM xmpp_scram s JOIN users u ON u.id = s.user_id
            WHERE s.user_id = $u AND s.mechanism = $m AND u.deleted_at IS NULL
            """, r => new StoredScram(
                new ScramCredential(mechanism, r.GetInt32(0), (byte[])r.GetValue(1), (byte[])r.GetValue(2), (byte[])r.GetValue(3)),
                (byte[])r.GetValue(4), r.NullableString(5)),
            ("$u", userId), ("$m", (int)mechanism)), cancellationToken);

    public ValueTask<byte[]?> GetPasswordCheckAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.QuerySingle(null, "SELECT password_check FROM xmpp_scram WHERE user_id = $u LIMIT 1",
            r => (byte[])r.GetValue(0), ("$u", userId)), cancellationToken);

    public ValueTask SaveScramAsync(long userId, IReadOnlyList<ScramCredential> credentials, byte[] passwordCheck, CancellationToken cancellationToken = default) =>
        new(db.WriteAsync((c, tx) =>
        {
            c.Execute(tx, "DELETE FROM xmpp_scram WHERE user_id = $u", ("$u", userId));
            foreach (var k in credentials)
                c.Execute(tx, """
                    INSERT INTO xmpp_scram (user_id, mechanism, iterations, salt, stored_key, server_key, password_check)
                    VALUES ($u, $m, $i, $s, $sk, $vk, $p)
                    """, ("$u", userId), ("$m", (int)k.Mechanism), ("$i", k.Iterations), ("$s", k.Salt), ("$sk", k.StoredKey), ("$vk", k.ServerKey), ("$p", passwordCheck));
            return true;
        }, cancellationToken).AsTask());

    public ValueTask<long> GetAckedSeqAsync(long userId, CancellationToken cancellationToken = default) =>
        db.ReadAsync(c => c.Query(null, "SELECT acked_seq FROM users WHERE id = $u", r => r.GetInt64(0), ("$u", userId)).FirstOrDefault(), cancellationToken);
}
