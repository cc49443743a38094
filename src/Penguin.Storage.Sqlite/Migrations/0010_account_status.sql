-- Accounts an administrator disabled (no login, sessions revoked) and accounts their owner deleted: the row stays
-- as a tombstone so its number is never reused and others' message history keeps its sender, but it is hidden
-- from every lookup and can no longer log in (its password hash is cleared).
-- (Numbered 0010 to leave 0007-0009 to work on other branches; the runner applies any missing version.)
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
