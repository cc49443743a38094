using Penguin.Storage.Tests.Engines;

namespace Penguin.Storage.Tests;

// Each contract suite, run once per engine. Every class gets its own database from its fixture.

public sealed class SqliteAccountStoreTests(SqliteEngine engine) : AccountStoreContract(engine), IClassFixture<SqliteEngine>;

public sealed class SqliteSocialStoreTests(SqliteEngine engine) : SocialStoreContract(engine), IClassFixture<SqliteEngine>;

public sealed class SqliteEventLogTests(SqliteEngine engine) : EventLogContract(engine), IClassFixture<SqliteEngine>;

public sealed class SqliteMessageStoreTests(SqliteEngine engine) : MessageStoreContract(engine), IClassFixture<SqliteEngine>;

public sealed class SqliteGroupStoreTests(SqliteEngine engine) : GroupStoreContract(engine), IClassFixture<SqliteEngine>;

[RequiresPostgres]
public sealed class PostgresAccountStoreTests(PostgresEngine engine) : AccountStoreContract(engine), IClassFixture<PostgresEngine>;

[RequiresPostgres]
public sealed class PostgresSocialStoreTests(PostgresEngine engine) : SocialStoreContract(engine), IClassFixture<PostgresEngine>;

[RequiresPostgres]
public sealed class PostgresEventLogTests(PostgresEngine engine) : EventLogContract(engine), IClassFixture<PostgresEngine>;

[RequiresPostgres]
public sealed class PostgresMessageStoreTests(PostgresEngine engine) : MessageStoreContract(engine), IClassFixture<PostgresEngine>;

public sealed class SqliteFileStoreTests(SqliteEngine engine) : FileStoreContract(engine), IClassFixture<SqliteEngine>;

public sealed class SqliteAvatarStoreTests(SqliteEngine engine) : AvatarStoreContract(engine), IClassFixture<SqliteEngine>;

[RequiresPostgres]
public sealed class PostgresAvatarStoreTests(PostgresEngine engine) : AvatarStoreContract(engine), IClassFixture<PostgresEngine>;

[RequiresPostgres]
public sealed class PostgresFileStoreTests(PostgresEngine engine) : FileStoreContract(engine), IClassFixture<PostgresEngine>;
[RequiresPostgres]
public sealed class PostgresGroupStoreTests(PostgresEngine engine) : GroupStoreContract(engine), IClassFixture<PostgresEngine>;

public sealed class SqliteXmppStoreTests(SqliteEngine engine) : XmppStoreContract(engine), IClassFixture<SqliteEngine>;

[RequiresPostgres]
public sealed class PostgresXmppStoreTests(PostgresEngine engine) : XmppStoreContract(engine), IClassFixture<PostgresEngine>;

public sealed class SqliteRoomStoreTests(SqliteEngine engine) : RoomStoreContract(engine), IClassFixture<SqliteEngine>;

[RequiresPostgres]
public sealed class PostgresRoomStoreTests(PostgresEngine engine) : RoomStoreContract(engine), IClassFixture<PostgresEngine>;
